"""A private PostgreSQL cluster for the drills that lock tables or stop the server."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.reliability.drill_support import ROOT, require

sys.path.insert(0, str(ROOT / "bench"))
from private_postgres import PG_BIN, PrivateCluster, as_postgres  # noqa: E402 (bench folder)


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
