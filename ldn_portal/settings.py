"""Settings for LDN Portal: one module, every value from the environment.

Defaults are safe for local development (SQLite beside manage.py, local-memory cache,
debug on). Production sets DJANGO_DEBUG=false, which makes DJANGO_SECRET_KEY mandatory.
The README's configuration table lists every variable.
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_EVAL, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)

_DEV_SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 (debug only)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "ckeditor",
    "ckeditor_uploader",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ldn_portal",
    "articles",
    "inquiries",
    "glossary",
    "sourcecheck",
    "audit",
    "accounts",
]

MIDDLEWARE = [
    # First: a stored reader page is answered here, as it left the middleware below when it
    # was stored (their headers included), with one cache lookup (articles/cache.py).
    "articles.cache.ReaderPageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ldn_portal.security.ContentSecurityPolicyMiddleware",
    "ldn_portal.security.PermissionsPolicyMiddleware",
    # Before anything reads the query string or the body: NUL characters and non-UTF-8 form
    # bodies get a clear 400 instead of a 500 (ldn_portal/bad_input.py).
    "ldn_portal.bad_input.BadInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses pages (static files come precompressed from WhiteNoise, above), with Django's
    # BREACH mitigation: random bytes in every gzip header.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Every response gets its caching headers here, reader pages their ETag (inside the
    # compression: the page's, not the random gzip bytes') and 304s (articles/cache.py).
    # Reader pages use no CSRF token, so the CSRF middleware sets no cookie on them.
    "articles.cache.ReaderPageHeadersMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who is signed in, for audit entries recorded where no request is passed (role changes).
    "audit.context.CurrentRequestMiddleware",
    "accounts.middleware.IdleSessionMiddleware",
    # Whether this session passed the second factor; the staff area waits until it has.
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ldn_portal.middleware.DatabaseUnavailableMiddleware",
    "articles.uploads.FileNotStoredMiddleware",
    # Last, as django-axes requires: it turns a flagged login attempt into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ldn_portal.urls"
WSGI_APPLICATION = "ldn_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ldn_portal.context_processors.site",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# Databases ----------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A stopped server must fail fast so readers get the 503 page, not a hung worker.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # A slow or locked table must not hold a worker until gunicorn kills it (issue 18): a
    # statement or lock wait past these ends with PostgreSQL's query-canceled or lock error,
    # which the views and DatabaseUnavailableMiddleware answer with the 503 page. Both stay
    # well under gunicorn's 30 s worker timeout. Management commands (migrations, purges,
    # imports) run longer statements and get their own, longer limits. 0 means no limit.
    _MANAGEMENT_COMMAND = Path(sys.argv[0]).name == "manage.py" and sys.argv[1:2] != ["runserver"]
    _TIMEOUTS = "LDN_DB_COMMAND_" if _MANAGEMENT_COMMAND else "LDN_DB_"
    DB_STATEMENT_TIMEOUT_MS = env.int(
        f"{_TIMEOUTS}STATEMENT_TIMEOUT_MS", default=600_000 if _MANAGEMENT_COMMAND else 5_000
    )
    DB_LOCK_TIMEOUT_MS = env.int(
        f"{_TIMEOUTS}LOCK_TIMEOUT_MS", default=60_000 if _MANAGEMENT_COMMAND else 3_000
    )
    DATABASES["default"]["OPTIONS"]["options"] = " ".join(
        filter(
            None,
            [
                DATABASES["default"]["OPTIONS"].get("options", ""),
                f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}",
                f"-c lock_timeout={DB_LOCK_TIMEOUT_MS}",
            ],
        )
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when configured (shared by every app server), else files that every worker
# process on this machine shares (one box; chosen over the database cache in
# docs/performance.md). Redis operations give up after LDN_CACHE_TIMEOUT_SECONDS and the site
# works on without it (ldn_portal/resilient_cache.py).
REDIS_URL = env.str("REDIS_URL", default="")
CACHE_TIMEOUT_SECONDS = env.float("LDN_CACHE_TIMEOUT_SECONDS", default=0.25)
# How often each process reads the clears counted while Redis could not take them (the page
# cache's generation, ldn_portal/resilient_cache.py DurableClear): the longest a page from
# before such a clear can still be served. 0 reads it on every cache hit.
CACHE_CLEAR_CHECK_SECONDS = env.float("LDN_CACHE_CLEAR_CHECK_SECONDS", default=0.5)
if REDIS_URL:
    _REDIS_CACHE = {
        "BACKEND": "ldn_portal.resilient_cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("DJANGO_CACHE_PREFIX", default="ldn"),
        "OPTIONS": {
            "socket_timeout": CACHE_TIMEOUT_SECONDS,
            "socket_connect_timeout": CACHE_TIMEOUT_SECONDS,
        },
    }
    CACHES = {
        "default": _REDIS_CACHE,
        # Rate limits: counted per process while Redis is down, instead of not at all.
        "ratelimit": {
            **_REDIS_CACHE,
            "OPTIONS": {**_REDIS_CACHE["OPTIONS"], "LOCAL_FALLBACK": True},
        },
    }
    RATELIMIT_USE_CACHE = "ratelimit"
else:
    CACHES = {
        "default": {
            "BACKEND": "ldn_portal.resilient_cache.ResilientFileBasedCache",
            "LOCATION": env.path("LDN_CACHE_DIR", default=BASE_DIR / "var" / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Django 6 behaviour now: a link typed without a scheme is taken as https.
FORMS_URLFIELD_ASSUME_HTTPS = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# Static and media files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    # Uploads written all or nothing: no partial or orphan files (articles/uploads.py).
    "default": {"BACKEND": "articles.uploads.AtomicFileSystemStorage"},
    # Hashed names plus Brotli and gzip copies; whitenoise serves them with immutable caching.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS switches: off for local development, on in production via the environment.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=SECURE_HSTS_SECONDS > 0
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

# Security headers (ldn_portal/security.py; SECURITY.md says which threat each answers) --------
# Public pages: nothing but our own files, no inline script or style, never framed. Templates
# that truly need an inline script use nonce="{{ CSP_NONCE }}"; the nonce is only sent then.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# The admin and the editor: CKEditor 4 needs inline script, eval and inline styles, and frames
# its own upload responses (see ContentSecurityPolicyMiddleware). Still nothing from elsewhere.
CSP_STAFF_AREA_PREFIXES = ["/admin/", "/ckeditor/"]
STAFF_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, UNSAFE_INLINE, UNSAFE_EVAL],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    }
}
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
        "interest-cohort", "magnetometer", "microphone", "midi", "payment", "usb",
    )
}  # fmt: skip
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Login lockout (django-axes) --------------------------------------------------------------
# Five failed sign-ins for one user name from one address lock that pair for 15 minutes.
# Keyed on the pair so an attacker cannot lock a colleague out from elsewhere.
AUTHENTICATION_BACKENDS = [
    "ldn_portal.security.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ldn_portal.security.lockout_response"
# Keep only what the lockout needs: the failure counts, no log of every successful sign-in
# and no second per-failure log. Logged lockouts leave out user names and addresses.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "ldn_portal.security.client_ip_address"
# How many proxies in front of gunicorn append to X-Forwarded-For (0: use the socket address).
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)

# Staff accounts (accounts app, issue 14) ----------------------------------------------------
# Staff who can publish or see readers' personal data pass a second factor (an authenticator
# app, or a recovery code) after the password. Off by default only with debug on (make run).
STAFF_TWO_FACTOR_REQUIRED = env.bool("LDN_STAFF_TWO_FACTOR", default=not DEBUG)
# A session ends after this many seconds without a request (every signed-in request starts
# the count again: accounts.middleware.IdleSessionMiddleware), and, in production, when the
# browser closes.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_IDLE_SECONDS", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool(
    "DJANGO_SESSION_EXPIRE_AT_BROWSER_CLOSE", default=not DEBUG
)
# Audit log entries older than this are deleted by `manage.py purge_audit_log` (daily cron).
AUDIT_RETENTION_DAYS = env.int("LDN_AUDIT_RETENTION_DAYS", default=2 * 365)

# Uploads: keep requests bounded; image-specific limits live in the articles app.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Every uploaded image is checked against these (articles/uploads.py).
IMAGE_UPLOAD_MAX_BYTES = env.int("LDN_IMAGE_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
# 24 million pixels: a 6000 x 4000 camera photo. Checked from the file's header before any
# decoding, because decoding and re-encoding cost several copies of the pixels (a 6300 x 6300
# image took about 530 MB; see the README).
IMAGE_UPLOAD_MAX_PIXELS = env.int("LDN_IMAGE_UPLOAD_MAX_PIXELS", default=24_000_000)

# E-mail: the console in development; production sets an SMTP URL.
EMAIL_CONFIG = env.email_url("DJANGO_EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="portal@localhost")

# The organization ----------------------------------------------------------------------
SITE_NAME = env.str("LDN_SITE_NAME", default="LDN Portal")
# Reading level editors aim for (Flesch-Kincaid grade; issue 17). A warning, never a block.
LDN_READING_GRADE_TARGET = env.float("LDN_READING_GRADE_TARGET", default=8.0)
OTP_TOTP_ISSUER = SITE_NAME  # the name staff see in their authenticator app
ORGANIZATION_NAME = env.str("LDN_ORGANIZATION_NAME", default="Lupus Community Network")
CONTACT_EMAIL = env.str("LDN_CONTACT_EMAIL", default="info@example.org")
IMAGE_RIGHTS_NOTICE = env.str(
    "LDN_IMAGE_RIGHTS_NOTICE",
    default=(
        "Images on this site belong to {organization} unless a credit says otherwise. "
        "To reuse one, ask us in writing first, credit {organization} and link back to the page. "
        "Write to {contact}."
    ),
)
MEDICAL_DISCLAIMER = env.str(
    "LDN_MEDICAL_DISCLAIMER",
    default=(
        "Our articles are for information only. They do not replace advice from your own "
        "doctor or other qualified health professional. The views of our authors are their "
        "own and are not necessarily those of {organization}."
    ),
)

# Reader questions (inquiries app) -------------------------------------------------------
# Public form: at most this many questions per client (hashed address) per hour, counted in
# the cache (use Redis in production so every app server shares the count).
INQUIRY_RATE_LIMIT = env.str("LDN_INQUIRY_RATE_LIMIT", default="5/h")
# A bot fills the form at once; a person takes a few seconds. A form older than the maximum
# is refused with a request to send it again (the text is kept).
INQUIRY_MIN_FILL_SECONDS = env.int("LDN_INQUIRY_MIN_FILL_SECONDS", default=3)
INQUIRY_MAX_FORM_AGE_SECONDS = env.int("LDN_INQUIRY_MAX_FORM_AGE_SECONDS", default=24 * 60 * 60)
# Article pages carry one form token per bucket, shared by every reader (so the pages can be
# cached and stay identical); they are cached no longer than the bucket, and the minimum fill
# time counts from its end: a reader there can send after 3 to 18 seconds.
INQUIRY_FORM_TOKEN_BUCKET_SECONDS = env.int("LDN_INQUIRY_FORM_TOKEN_BUCKET_SECONDS", default=15)
# Staff address told of each new web question (no personal data in the message); empty: none.
INQUIRY_NOTIFY_EMAIL = env.str("LDN_INQUIRY_NOTIFY_EMAIL", default="")
# Replies to readers go out from DEFAULT_FROM_EMAIL; a reader's answer goes to this address
# with "+<inquiry>-<signature>" added, so it joins its thread even without mail headers.
INQUIRY_REPLY_ADDRESS = env.str("LDN_INQUIRY_REPLY_ADDRESS", default="questions@localhost")
INQUIRY_REPLY_SUBJECT = env.str(
    "LDN_INQUIRY_REPLY_SUBJECT", default="Your question to the Lupus Community Network"
)
# The questions mailbox read by `manage.py fetch_inquiry_mail`: imaps://user:password@host/INBOX
# (TLS; imap:// uses STARTTLS). Empty: e-mail questions are not fetched.
INQUIRY_IMAP_URL = env.str("LDN_INQUIRY_IMAP_URL", default="")
# Change the version whenever the consent wording on the form changes.
INQUIRY_CONSENT_TEXT_VERSION = env.str("LDN_INQUIRY_CONSENT_TEXT_VERSION", default="2025-01")
# purge_inquiry_pii's default: personal data of closed questions kept this many days.
INQUIRY_PII_RETENTION_DAYS = env.int("LDN_INQUIRY_PII_RETENTION_DAYS", default=365)
# Demand dashboard: a topic with at least this many questions and no live article is a gap.
INQUIRY_CONTENT_GAP_MIN = env.int("LDN_INQUIRY_CONTENT_GAP_MIN", default=3)
# Reader feedback on articles (helpful yes/no, error reports): per client (hashed address).
INQUIRY_FEEDBACK_RATE_LIMIT = env.str("LDN_INQUIRY_FEEDBACK_RATE_LIMIT", default="20/h")

# Searches that found nothing (staff dashboard): anyone can search, so a client counts once per
# query and day, at most this many different queries are counted a day, and staff see only
# queries counted at least this many times.
SEARCH_GAP_DAILY_LIMIT = env.int("LDN_SEARCH_GAP_DAILY_LIMIT", default=200)
SEARCH_GAP_MIN_SEARCHES = env.int("LDN_SEARCH_GAP_MIN_SEARCHES", default=3)

# Articles trash (issue 8): a superuser may empty only what has been in it this many days.
TRASH_RETENTION_DAYS = env.int("LDN_TRASH_RETENTION_DAYS", default=30)

# Performance (issue 6; docs/performance.md) --------------------------------------------------
# Whole reader pages cached for anonymous readers (articles/cache.py). Needs a cache every app
# process shares (a publish must clear every process): Redis, or the one-box file cache.
PAGE_CACHE = env.bool("LDN_PAGE_CACHE", default=True)
PAGE_CACHE_SECONDS = env.int("LDN_PAGE_CACHE_SECONDS", default=600)
# With Redis: how many of the pages a process served from the cache it keeps in its own
# memory, served again with no round trip until any process clears the cache (articles/cache.py
# _ServedHits; about 25 KB each). 0 asks Redis for every hit.
PAGE_CACHE_KEPT_HITS = env.int("LDN_PAGE_CACHE_KEPT_HITS", default=200)
# Parts of pages kept under a generation (articles/cache.py kept_in_generation) that each
# process also keeps in memory, with any cache (a few KB each).
PAGE_CACHE_KEPT_PARTS = env.int("LDN_PAGE_CACHE_KEPT_PARTS", default=1000)
# HTTP caching of reader pages (Cache-Control; shorter where a page carries a form token or a
# scheduled moment comes sooner). Browsers are never purged, so their lifetime is short;
# shared caches in front (Varnish, Cloudflare) are purged on publish (LDN_FRONTEND_CACHE).
BROWSER_CACHE_SECONDS = env.int("LDN_BROWSER_CACHE_SECONDS", default=60)
SHARED_CACHE_SECONDS = env.int("LDN_SHARED_CACHE_SECONDS", default=600)
STALE_WHILE_REVALIDATE_SECONDS = env.int("LDN_STALE_WHILE_REVALIDATE_SECONDS", default=30)
STALE_IF_ERROR_SECONDS = env.int("LDN_STALE_IF_ERROR_SECONDS", default=24 * 60 * 60)
# Front-end caches purged when what readers see changes (articles/frontend_cache.py), in the
# style of Wagtail's WAGTAILFRONTENDCACHE. The addresses readers use (scheme and host), for the
# purges: by default https:// and each host named in ALLOWED_HOSTS.
LDN_SITE_URLS = env.list("LDN_SITE_URLS", default=[])
LDN_FRONTEND_CACHE = {}
if _varnish_urls := env.list("LDN_VARNISH_URLS", default=[]):
    LDN_FRONTEND_CACHE["varnish"] = {
        "BACKEND": "articles.frontend_cache.VarnishBackend",
        "LOCATION": _varnish_urls,
        "METHOD": env.str("LDN_VARNISH_PURGE_METHOD", default="PURGE"),
    }
if _cloudflare_zone := env.str("LDN_CLOUDFLARE_ZONE_ID", default=""):
    LDN_FRONTEND_CACHE["cloudflare"] = {
        "BACKEND": "articles.frontend_cache.CloudflareBackend",
        "ZONE_ID": _cloudflare_zone,
        "API_TOKEN": env.str("LDN_CLOUDFLARE_API_TOKEN"),
        "BASE_URL": env.str(
            "LDN_CLOUDFLARE_API_URL", default="https://api.cloudflare.com/client/v4"
        ),
    }
LDN_FRONTEND_CACHE_TIMEOUT = env.float("LDN_FRONTEND_CACHE_TIMEOUT_SECONDS", default=2.0)
# Demand dashboard figures kept this long (inquiries/demand.py; the page says when they were
# counted and offers a recount); like the page cache, only with a cache every process shares.
DEMAND_CACHE = env.bool("LDN_DEMAND_CACHE", default=bool(REDIS_URL))
DEMAND_CACHE_SECONDS = env.int("LDN_DEMAND_CACHE_SECONDS", default=300)
# Benchmark-only views (a constant page, the upper bound for a Django page); never in production.
BENCH_VIEWS = env.bool("LDN_BENCH_VIEWS", default=False)

# Logging: requests and errors only; reader questions and personal data are never logged.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": sys.stderr}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # imapclient logs whole IMAP conversations (readers' addresses and words) at DEBUG.
    "loggers": {"imapclient": {"level": "WARNING"}},
}

# Rich text ----------------------------------------------------------------------------
# django-ckeditor bundles CKEditor 4, which its maintainers no longer support (check W001).
# We keep it because the design names it, and contain the risk: every stored HTML field is
# sanitized with nh3 on save, so the editor never loads unsanitized HTML; only staff reach
# the editor; source mode is for superusers only; uploads are verified images. See SECURITY.md.
SILENCED_SYSTEM_CHECKS = ["ckeditor.W001"]
CKEDITOR_UPLOAD_PATH = "uploads/"
CKEDITOR_IMAGE_BACKEND = "ckeditor_uploader.backends.PillowBackend"
CKEDITOR_ALLOW_NONIMAGE_FILES = False
CKEDITOR_RESTRICT_BY_USER = False
CKEDITOR_BROWSE_SHOW_DIRS = False
CKEDITOR_CONFIGS = {
    "default": {
        "toolbar": "Author",
        "toolbar_Author": [
            ["Format"],
            ["Bold", "Italic"],
            ["NumberedList", "BulletedList", "Blockquote"],
            ["Link", "Unlink"],
            ["Image", "Table"],
            ["Undo", "Redo"],
            ["RemoveFormat"],
        ],
        "format_tags": "p;h2;h3;h4",
        "removePlugins": "sourcearea,exportpdf",
        "height": 360,
        "width": "100%",
    },
    "superuser": {
        "toolbar": "Full",
        "format_tags": "p;h2;h3;h4",
        "height": 360,
        "width": "100%",
    },
}
