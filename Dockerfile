# Production image: gunicorn behind a TLS proxy, whitenoise for static files, PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_DEBUG=false \
    GUNICORN_WORKERS=2 \
    PORT=8000 \
    MEDIA_ROOT=/data/media \
    FORWARDED_ALLOW_IPS=127.0.0.1,::1

WORKDIR /app

# A fixed numeric id, so that volumes and the host see the same owner.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

# The code stays owned by root: the app user can read it, not change it.
COPY . .

# collectstatic needs a key to import settings; this throwaway value never reaches runtime.
# Byte code is compiled here because the app user cannot write it next to the code.
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && python -m compileall -q /app \
    && mkdir -p /data/media && chown app:app /data/media

USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]

# Port, workers, trusted proxy addresses and the access log: deploy/gunicorn.conf.py.
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "ldn_portal.wsgi:application"]
