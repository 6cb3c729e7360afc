"""Load and database outage against a real server (bench/load_ask.py, bench/outage.py).

They start gunicorn on PostgreSQL (the outage drill on a private cluster that it stops for a
few seconds), so they run only when asked:
`LDN_RELIABILITY_TESTS=1` (CI runs them in a step of their own). PostgreSQL must be reachable
at BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432); without it they skip, except
in CI, where that is a failure.
"""

import json
import os
import subprocess
import sys

import pytest

from tests.reliability.drill_support import ROOT, require

SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("LDN_RELIABILITY_TESTS") != "1",
        reason="stops PostgreSQL and starts gunicorn: set LDN_RELIABILITY_TESTS=1 to run",
    ),
]


@pytest.fixture(scope="module")
def postgres():
    import psycopg2

    try:
        psycopg2.connect(f"{SERVER}/postgres", connect_timeout=3).close()
    except psycopg2.OperationalError as error:
        require(False, f"PostgreSQL is not reachable at {SERVER}: {error}")


def run_script(name, *args):
    result = subprocess.run(
        [sys.executable, f"bench/{name}", "--json", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    lines = result.stdout.strip().splitlines()
    assert lines, result.stderr[-3000:]
    figures = json.loads(lines[-1])
    print(json.dumps(figures, indent=1))
    return figures


def test_5000_questions_over_16_connections_store_exactly_5000_rows(postgres):
    figures = run_script("load_ask.py", "--requests", "5000", "--connections", "16")

    assert figures["server_errors"] == 0
    assert figures["failed_requests"] == 0
    assert figures["thanked"] == 5000
    assert figures["rows_stored"] == 5000
    assert figures["passed"]


def test_readers_get_503_during_a_database_outage_and_the_app_recovers_alone(cluster):
    # A private cluster (tests/reliability/conftest.py): the machine's server is never stopped.
    figures = run_script(
        "outage.py",
        *("--cluster-folder", str(cluster.data.parent), "--cluster-port", str(cluster.port)),
        *("--down-seconds", "6"),
    )

    assert figures["server_errors_500"] == 0
    assert figures["connection_errors"] == 0
    assert figures["reader_requests_during_outage"] > 0
    assert figures["reader_other_during_outage"] == []
    assert figures["healthz_during_outage"] == ["503"]
    assert figures["recovery_seconds"] is not None
    assert figures["outage_seconds"] <= 12
    assert figures["passed"]
