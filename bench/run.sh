#!/usr/bin/env bash
# make bench: seeds PostgreSQL at scale (once), serves with gunicorn, measures with wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
exec .venv/bin/python bench/run.py "$@"
