"""Degrade drills (issue 18 item 6): a locked table, a PostgreSQL outage during sends, a full
disk. Each on private instances started here: a PostgreSQL cluster of its own on a loopback
port (Debian's binaries, run as the postgres OS user: tests/reliability/conftest.py),
gunicorn from bench/load_ask.py, a 1 MB tmpfs. Nothing shared is stopped. Run with
LDN_RELIABILITY_TESTS=1 (CI's own step).
"""

import io
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tests.reliability.drill_support import IN_CI, ROOT, account, send_question, stored_questions

sys.path.insert(0, str(ROOT / "bench"))

# ldn_portal/settings.py's defaults for requests, which the drills leave as they are.
LOCK_TIMEOUT_SECONDS = 3
LOCKED_SECONDS = 45

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("LDN_RELIABILITY_TESTS") != "1",
        reason="starts private PostgreSQL and gunicorn: set LDN_RELIABILITY_TESTS=1 to run",
    ),
]


@pytest.fixture(scope="module")
def site(cluster):
    from load_ask import running_site

    # As the container runs it: deploy/gunicorn.conf.py and the Dockerfile's worker class,
    # threads and 30 s worker timeout; the database timeouts are the settings' defaults.
    with running_site("ldn_drill", server_url=cluster.url, deploy_config=True) as site:
        yield site


def test_a_table_locked_for_45_s_delays_no_request_past_the_lock_timeout(site):
    """Past gunicorn's 30 s worker timeout, which killed both sync workers before."""
    import psycopg2
    from load_ask import fetch

    base, database_url = site
    sends, pages, lock = [], [], threading.Lock()
    stop = threading.Event()

    def sender(thread):
        number = 0
        while not stop.is_set():
            number += 1
            text = f"Locked-table question {thread}-{number}"
            status, seconds, page = send_question(base, text)
            with lock:
                sends.append((text, status, seconds, page))

    def reader(paths):
        while not stop.is_set():
            for path in paths:
                started = time.monotonic()
                try:
                    status = fetch(base, path, timeout=60)[0]
                except OSError as error:
                    status = repr(error)
                with lock:
                    pages.append((path, status, time.monotonic() - started))

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(3)]
    threads += [
        threading.Thread(target=reader, args=(["/articles/", "/healthz"],)),
        threading.Thread(target=reader, args=(["/", "/healthz"],)),
    ]
    holder = psycopg2.connect(database_url)
    with holder.cursor() as cursor:
        cursor.execute("LOCK TABLE inquiries_inquiry, articles_article IN ACCESS EXCLUSIVE MODE")
        for thread in threads:
            thread.start()
        time.sleep(LOCKED_SECONDS)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    holder.rollback()
    holder.close()

    forms_not_shown = sum(1 for s in sends if s[1] == "no form")
    figures = account([s for s in sends if s[1] != "no form"], stored_questions(database_url))
    figures.update(
        sends=len(sends),
        form_not_shown=forms_not_shown,
        pages=len(pages),
        page_statuses=sorted({f"{path} {status}" for path, status, _ in pages}),
        longest_send_request=round(max(seconds for _, _, seconds, _ in sends), 2),
        longest_page=round(max(seconds for _, _, seconds in pages), 2),
    )
    print(figures)
    # The lock timeout, and a margin for a loaded machine; far under the worker timeout.
    limit = LOCK_TIMEOUT_SECONDS + 2
    assert figures["longest_send_request"] < limit
    assert figures["longest_page"] < limit
    assert {status for _, status, _ in pages} <= {200, 503}
    assert {status for path, status, _ in pages if path == "/healthz"} == {200}
    assert figures["shown_again"] > 0


def test_a_postgresql_outage_during_sends_loses_and_doubles_nothing(site, cluster):
    base, database_url = site
    results, lock = [], threading.Lock()
    stop = threading.Event()

    def sender(thread):
        number = 0
        while not stop.is_set():
            number += 1
            text = f"Outage question {thread}-{number}"
            status, seconds, page = send_question(base, text)
            with lock:
                results.append((text, status, seconds, page))

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    cluster.stop()
    try:
        time.sleep(4)
    finally:
        cluster.start()
    time.sleep(4)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)

    forms_not_shown = sum(1 for r in results if r[1] == "no form")
    results = [r for r in results if r[1] != "no form"]
    figures = account(results, stored_questions(database_url))
    print({"sends": len(results), **figures, "form_not_shown": forms_not_shown})
    assert figures["stored"] > 0


@pytest.fixture
def small_disk():
    folder = Path(tempfile.mkdtemp(prefix="ldn-drill-media-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        folder.rmdir()
        message = f"cannot mount a 1 MB tmpfs: {mounted.stderr.decode().strip()}"
        if IN_CI and os.geteuid() == 0:
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)
        folder.rmdir()


def noise_png():
    """About 77 kB that no encoder can shrink: a dozen fill the 1 MB disk."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.frombytes("RGB", (160, 160), os.urandom(160 * 160 * 3)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_uploads_onto_a_full_disk_get_clear_errors_and_leave_no_partial_file(
    client, settings, small_disk
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from tests.factories import make_staff

    settings.MEDIA_ROOT = small_disk
    client.force_login(make_staff("writer", "Authors"))
    client.cookies["ckCsrfToken"] = "a" * 40
    stored, refused = [], 0
    for number in range(20):
        upload = SimpleUploadedFile(f"noise-{number}.png", noise_png(), "image/png")
        response = client.post("/ckeditor/upload/", {"upload": upload, "ckCsrfToken": "a" * 40})
        answer = response.json()
        if answer["uploaded"]:
            stored.append(answer["url"].removeprefix(settings.MEDIA_URL))
        else:
            assert "could not be stored" in answer["error"]["message"]
            refused += 1

    files = sorted(str(p.relative_to(small_disk)) for p in small_disk.rglob("*") if p.is_file())
    print({"uploads": 20, "stored": len(stored), "refused": refused})
    assert refused > 0 and stored
    from ckeditor_uploader.utils import get_thumb_filename

    # No partial, temporary or orphan file: each stored image and its thumbnail, nothing else.
    assert files == sorted(stored + [get_thumb_filename(name) for name in stored])
    for name in files:
        with Image.open(small_disk / name) as image:
            image.load()  # every stored file is complete
    assert not [name for name in files if re.search(r"\.part$", name)]
