"""A private PostgreSQL cluster on a loopback port, for drills that lock tables or stop the
server: Debian's binaries, run as the postgres OS user (root needed). The machine's own
server is never stopped."""

import socket
import subprocess
from pathlib import Path

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
    def __init__(self, folder, port=None):
        self.data = Path(folder) / "data"
        self.port = port or free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}"

    def start(self):
        as_postgres(
            PG_BIN / "pg_ctl", "-D", self.data, "-w", "-l", self.data.parent / "pg.log",
            "-o", f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1",
            "start",
        )  # fmt: skip

    def stop(self):
        as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-w", "-m", "fast", "stop")
