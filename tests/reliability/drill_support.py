"""What the reliability drills share: where the project is, CI's rules, readers' questions."""

import html
import os
import re
import time
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition, message):
    if condition:
        return
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def stored_questions(database_url):
    import psycopg2

    for _ in range(30):
        try:
            connection = psycopg2.connect(database_url, connect_timeout=3)
            break
        except psycopg2.OperationalError:
            time.sleep(0.5)
    with connection, connection.cursor() as cursor:
        cursor.execute("SELECT question FROM inquiries_inquiry")
        rows = [row[0] for row in cursor.fetchall()]
    connection.close()
    return rows


def send_question(base, text):
    """GET the form, POST it: (status, seconds the longer of the two took, page). None
    status: no answer."""
    from load_ask import TOKEN, Reader

    reader = Reader(base)
    try:
        started = time.monotonic()
        response, page = reader.request("GET", "/ask/")
        form_seconds = time.monotonic() - started
        form = page.decode()
        cookie = response.getheader("Set-Cookie", "").split(";")[0]
        if response.status != 200:
            # The form itself could not be shown: the reader has typed nothing yet.
            time.sleep(0.2)
            return "no form", form_seconds, form
        fields = {"form_token": TOKEN.search(form).group(1), "question": text, "website": ""}
        body = urllib.parse.urlencode(fields)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        started = time.monotonic()
        response, page = reader.request("POST", "/ask/", body=body, headers=headers)
        return response.status, max(form_seconds, time.monotonic() - started), page.decode()
    except OSError as error:
        return None, 0.0, repr(error)
    finally:
        reader.connection.close()


def account(results, rows):
    """Every send stored once (302) or shown again with its text (503); nothing else."""
    stored = [text for text, status, _, _ in results if status == 302]
    refused = [text for text, status, _, page in results if status == 503]
    lost = [
        re.findall(r"<h1>.*?</h1>|<textarea[^>]*>[^<]*", page, re.S)
        for text, status, _, page in results
        if status == 503 and not shown_again(page, text)
    ]
    assert lost == []
    others = [(status, page[:200]) for _, status, _, page in results if status not in (302, 503)]
    assert others == []
    assert sorted(rows) == sorted(stored)
    return {"stored": len(stored), "shown_again": len(refused)}


def shown_again(page, text):
    return f"{html.escape(text)}</textarea>" in page
