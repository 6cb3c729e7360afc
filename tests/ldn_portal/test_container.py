"""The container's gunicorn (deploy/gunicorn.conf.py, as the Dockerfile and the compose file
start it): no control socket, an access log without personal data, and X-Forwarded-Proto
trusted only from the configured proxy addresses."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONFIG = "deploy/gunicorn.conf.py"

pytestmark = pytest.mark.slow


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, tmp_path, **environ):
        self.port = _free_port()
        self.log = tmp_path / "gunicorn.log"
        self.home = tmp_path / "home"
        self.home.mkdir()
        env = {
            **os.environ,
            "HOME": str(self.home),
            "PORT": str(self.port),
            "GUNICORN_WORKERS": "1",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "test-only-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "REDIS_URL": "",
            **environ,
        }
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", CONFIG, "ldn_portal.wsgi:application"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.get("/robots.txt")
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"gunicorn did not start:\n{self.log.read_text()}")

    def get(self, path, **headers):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers)
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (http to loopback)
            return response.read().decode()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def gunicorn(tmp_path):
    servers = []

    def start(**environ):
        server = Gunicorn(tmp_path / str(len(servers)), **environ)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(autouse=True)
def _folders(tmp_path):
    for n in range(2):
        (tmp_path / str(n)).mkdir()


def test_the_access_log_has_the_path_but_no_query_string_or_address(gunicorn):
    server = gunicorn()

    server.get("/robots.txt?q=lupus+miscarriage+pregnancy&email=rosa%40example.net")
    server.stop()

    log = server.log.read_text()
    assert '"GET /robots.txt HTTP/1.1" 200' in log
    assert "lupus" not in log and "rosa" not in log
    assert "127.0.0.1 -" not in log
    assert "Control server error" not in log
    assert not (server.home / ".gunicorn").exists()


def test_x_forwarded_proto_counts_only_from_the_configured_proxy(gunicorn):
    stranger = gunicorn(FORWARDED_ALLOW_IPS="192.0.2.10")
    proxy = gunicorn(FORWARDED_ALLOW_IPS="127.0.0.1")

    assert "Sitemap: http://" in stranger.get("/robots.txt", **{"X-Forwarded-Proto": "https"})
    assert "Sitemap: https://" in proxy.get("/robots.txt", **{"X-Forwarded-Proto": "https"})


def test_the_dockerfile_and_the_compose_file_start_gunicorn_with_that_configuration():
    dockerfile = (ROOT / "Dockerfile").read_text()
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    app = compose["services"]["app"]

    assert f'CMD ["gunicorn", "-c", "{CONFIG}", "ldn_portal.wsgi:application"]' in dockerfile
    assert f"gunicorn -c {CONFIG} ldn_portal.wsgi:application" in app["command"]
    assert "FORWARDED_ALLOW_IPS" in app["environment"]
    assert "--forwarded-allow-ips='*'" not in dockerfile
    # The code is root's: no COPY hands it to the app user, which writes only the media folder.
    assert "--chown" not in dockerfile
    assert "chown app:app /data/media" in dockerfile
    assert "\nUSER 10001:10001\n" in dockerfile
