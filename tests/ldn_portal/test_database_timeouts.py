"""Statement and lock timeouts (issue 18 item 4), against a real lock on PostgreSQL.

A second connection locks a table the way a long migration or a stuck transaction does; the
request waits at most the lock timeout and answers the 503 page (a question: with its text).
"""

import time

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from inquiries.models import Inquiry

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="statement and lock timeouts are PostgreSQL's"
    ),
]


def test_request_connections_carry_the_configured_timeouts():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('statement_timeout'), current_setting('lock_timeout')"
        )
        statement, lock = cursor.fetchone()
    assert statement == f"{settings.DB_STATEMENT_TIMEOUT_MS}ms".replace("000ms", "s")
    assert lock == f"{settings.DB_LOCK_TIMEOUT_MS}ms".replace("000ms", "s")


@pytest.fixture
def locked(db):
    """Lock `table` from another connection until the test ends; a short lock timeout here."""
    params = connection.get_connection_params()
    params.pop("options", None)
    other = psycopg2.connect(**params)
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '500ms'")

    def lock(table):
        other.cursor().execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")

    lock.release = other.rollback
    yield lock
    other.rollback()
    other.close()


def test_a_locked_table_answers_503_within_the_lock_timeout(client, locked):
    locked("articles_article")

    started = time.monotonic()
    response = client.get("/articles/")

    assert response.status_code == 503
    assert response["Retry-After"]
    assert time.monotonic() - started < 3


def test_a_question_blocked_by_a_lock_is_shown_again_with_its_text(client, locked, settings):
    from tests.inquiries.conftest import form_token

    settings.INQUIRY_MIN_FILL_SECONDS = 0
    token = form_token(client)
    locked("inquiries_inquiry")

    response = client.post("/ask/", {"question": "Held up by a lock?", "form_token": token})

    assert response.status_code == 503
    assert "Held up by a lock?</textarea>" in response.content.decode()
    locked.release()
    assert not Inquiry.objects.exists()
