#!/usr/bin/env bash
# Lighthouse on the demo naltrexone article, served the way production serves it (debug off,
# gunicorn, collected and compressed static files), and print the four category scores.
# Not part of the test suite: it needs Node 20, npm and Chromium. Takes about a minute.
#
#   bash bench/lighthouse.sh            (or: make lighthouse)
#   LIGHTHOUSE_PATH=/articles/other-slug/ bash bench/lighthouse.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="$ROOT/.venv/bin/python"
GUNICORN="$ROOT/.venv/bin/gunicorn"
NODE_DIR="$ROOT/bench/.node"
LIGHTHOUSE_VERSION="12.2.3"  # 13 needs Node 22; the build machines have Node 20.
LIGHTHOUSE="$NODE_DIR/node_modules/.bin/lighthouse"
PAGE_PATH="${LIGHTHOUSE_PATH:-/articles/low-dose-naltrexone-lupus/}"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"

if ! "$LIGHTHOUSE" --version 2>/dev/null | grep -qx "$LIGHTHOUSE_VERSION"; then
  echo "Installing lighthouse@$LIGHTHOUSE_VERSION into bench/.node ..."
  npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error \
    "lighthouse@$LIGHTHOUSE_VERSION" >/dev/null
fi

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export DJANGO_DEBUG=false
export DJANGO_SECRET_KEY="lighthouse-$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))')"
export DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver"
export DATABASE_URL="sqlite:///$WORK/db.sqlite3"
export MEDIA_ROOT="$WORK/media"
export STATIC_ROOT="$WORK/static"
export REDIS_URL=""

cd "$ROOT"
"$PYTHON" manage.py migrate --noinput >/dev/null
"$PYTHON" manage.py load_demo >/dev/null
"$PYTHON" manage.py collectstatic --noinput >/dev/null
# Render the page once so its image renditions exist before the server indexes media files.
"$PYTHON" manage.py shell -c "
from django.test import Client
status = Client().get('$PAGE_PATH').status_code
assert status == 200, f'$PAGE_PATH answered {status}'
" >/dev/null

# Production serves uploads from the web server; here whitenoise stands in for it.
cat >"$WORK/lighthouse_wsgi.py" <<'EOF'
import os

from whitenoise import WhiteNoise

from ldn_portal.wsgi import application as django_application

application = WhiteNoise(django_application)
application.add_files(os.environ["MEDIA_ROOT"], prefix="media/")
EOF

"$GUNICORN" --no-control-socket --workers 2 --bind "127.0.0.1:$PORT" \
  --pythonpath "$WORK" --log-level warning lighthouse_wsgi:application &
SERVER_PID=$!
for _ in $(seq 50); do
  if curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null; then break; fi
  sleep 0.2
done

URL="http://127.0.0.1:$PORT$PAGE_PATH"
echo "Lighthouse $LIGHTHOUSE_VERSION on $URL"
"$LIGHTHOUSE" "$URL" --quiet --output=json --output-path="$WORK/report.json" \
  --chrome-flags="--headless --no-sandbox --disable-gpu"

"$PYTHON" - "$WORK/report.json" <<'EOF'
import json
import sys

report = json.load(open(sys.argv[1]))
failed = []
for key in ("performance", "accessibility", "best-practices", "seo"):
    category = report["categories"][key]
    print(f"{category['title']:>15}: {round(category['score'] * 100)}")
    for ref in category["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
            failed.append(f"  {key}: {audit['id']} ({audit['score']}) {audit['title']}")
if failed:
    print("Audits below full marks:")
    print("\n".join(failed))
EOF
