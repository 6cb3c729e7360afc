"""A private PostgreSQL cluster for the drills that lock tables or stop the server."""

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.reliability.test_load_and_outage import require

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_postgres(*command):
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *map(str, command)],
        check=True,
        capture_output=True,
        timeout=120,
    )


class PrivateCluster:
    def __init__(self, folder):
        self.data = folder / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}"

    def start(self):
        as_postgres(
            PG_BIN / "pg_ctl", "-D", self.data, "-w", "-l", self.data.parent / "pg.log",
            "-o", f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1",
            "start",
        )  # fmt: skip

    def stop(self):
        as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-w", "-m", "fast", "stop")


@pytest.fixture(scope="session")
def cluster():
    require(
        (PG_BIN / "initdb").exists() and shutil.which("runuser") and os.geteuid() == 0,
        f"needs root and PostgreSQL's binaries in {PG_BIN} for a private cluster",
    )
    folder = Path(tempfile.mkdtemp(prefix="ldn-drill-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    private = PrivateCluster(folder)
    as_postgres(PG_BIN / "initdb", "-D", private.data, "-U", "postgres", "--auth=trust")
    private.start()
    try:
        yield private
    finally:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", PG_BIN / "pg_ctl", "-D", private.data, "-m",
             "immediate", "stop"],
            capture_output=True,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)
