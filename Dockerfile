# Production image: gunicorn behind a TLS proxy, whitenoise for static files, PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_DEBUG=false \
    GUNICORN_WORKERS=2 \
    PORT=8000 \
    MEDIA_ROOT=/data/media

WORKDIR /app

RUN groupadd --system app && useradd --system --gid app --home-dir /app --no-create-home app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY --chown=app:app . .

# collectstatic needs a key to import settings; this throwaway value never reaches runtime.
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p /data/media && chown -R app:app /data /app/staticfiles

USER app
EXPOSE 8000

# Threads, so a kept-alive or silent client costs one thread (and only ~5 s) instead of a whole
# worker; 30 s worker timeout, above the 5 s statement and 3 s lock timeouts. Clients that send
# headers slowly still hold threads: deploy behind a buffering proxy (README, "Timeouts").
ENV GUNICORN_CMD_ARGS="--worker-class gthread --threads 8 --timeout 30 --keep-alive 5"

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]

CMD ["sh", "-c", "exec gunicorn ldn_portal.wsgi:application --bind 0.0.0.0:${PORT} --workers ${GUNICORN_WORKERS} --access-logfile - --forwarded-allow-ips='*'"]
