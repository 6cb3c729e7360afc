#!/usr/bin/env bash
# make bench: seeds PostgreSQL at scale (once), serves with gunicorn, measures with wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
# The reference rows (bench/references.py): without these their rows are skipped.
missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v varnishd >/dev/null || [ -x /usr/sbin/varnishd ] || missing+=(varnish)
if [ ${#missing[@]} -gt 0 ]; then
    { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; } ||
        echo "could not install ${missing[*]}: their rows are skipped" >&2
fi
exec .venv/bin/python bench/run.py "$@"
