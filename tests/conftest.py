import email
import email.policy
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from imapclient import IMAPClient


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render templates without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploads made by tests never touch the developer's media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _cache_per_test_process(settings):
    """Local memory, not the one-box file cache: test processes must not share entries. The
    page cache stays off unless a test turns it on (tests/performance/conftest.py)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PAGE_CACHE = False


@pytest.fixture(autouse=True)
def _clear_cache(_cache_per_test_process):
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _free_port():

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _missing(message):

    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


class _Recorder:
    """aiosmtpd handler: keeps every message the server accepted."""

    def __init__(self):
        self.messages = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 Try again later"

        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, parsed))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a loopback port; Django's SMTP backend sends to it."""

    recorder = _Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield recorder
    controller.stop()


class _Dovecot:
    """A private dovecot IMAP server for the tests: one mailbox user, plain login on loopback."""

    user, password = "questions", "mailbox-password"

    def __init__(self, base):

        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        self.base, self.port = base, _free_port()
        home = base / "home"
        (home / "Maildir").mkdir(parents=True)
        try:
            account = pwd.getpwnam("dovenull")
        except KeyError:
            account = pwd.getpwuid(0)
        for path in (home, home / "Maildir"):
            os.chown(path, account.pw_uid, account.pw_gid)
        (base / "users").write_text(
            f"{self.user}:{{PLAIN}}{self.password}:{account.pw_uid}:{account.pw_gid}::{home}\n"
        )
        (base / "dovecot.conf").write_text(
            f"""protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = {base}/users
}}
userdb {{
  driver = passwd-file
  args = {base}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
        )
        subprocess.run([binary, "-c", str(base / "dovecot.conf")], check=True)
        self._wait()

    def _wait(self):

        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("dovecot did not start")

    @property
    def url(self):
        return f"imap://{self.user}:{self.password}@127.0.0.1:{self.port}/INBOX?tls=none"

    def client(self):

        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        return client

    def deliver(self, raw):
        with self.client() as client:
            client.append("INBOX", raw)

    def unseen(self):
        with self.client() as client:
            client.select_folder("INBOX")
            return len(client.search(["UNSEEN"]))

    def empty(self):
        with self.client() as client:
            client.select_folder("INBOX")
            uids = client.search(["ALL"])
            if uids:
                client.delete_messages(uids)
                client.expunge()

    def stop(self):

        pid_file = self.base / "run" / "master.pid"
        if pid_file.exists():
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)


@pytest.fixture(scope="session")
def _dovecot():
    if not (shutil.which("dovecot") or Path("/usr/sbin/dovecot").exists()):
        _missing("dovecot not found: install Debian's 'dovecot-imapd' package")
    # Not under pytest's private temporary folder: dovecot's own users must read the files.
    base = Path(tempfile.mkdtemp(prefix="ldn-dovecot-"))
    base.chmod(0o755)
    server = _Dovecot(base)
    yield server
    server.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def imap_server(_dovecot, settings):
    """A real IMAP mailbox (private dovecot on a loopback port), empty at the start of a test."""
    _dovecot.empty()
    settings.INQUIRY_IMAP_URL = _dovecot.url
    return _dovecot


@pytest.fixture
def redis_server():
    """A private redis-server on a loopback port, which the test may kill, hang or restart."""
    from tests.servers import RedisServer

    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_cache(settings, redis_server):
    """The site's caches on that Redis, as with REDIS_URL, and the page cache on."""
    from django.core.cache import caches

    backend = {
        "BACKEND": "ldn_portal.resilient_cache.ResilientRedisCache",
        "LOCATION": redis_server.url,
        "OPTIONS": {"socket_timeout": 0.25, "socket_connect_timeout": 0.25},
    }
    settings.CACHES = {
        "default": backend,
        "ratelimit": {**backend, "OPTIONS": {**backend["OPTIONS"], "LOCAL_FALLBACK": True}},
    }
    settings.RATELIMIT_USE_CACHE = "ratelimit"
    settings.PAGE_CACHE = True
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    settings.INQUIRY_NOTIFY_EMAIL = ""
    yield caches["default"]
