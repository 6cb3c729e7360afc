"""What each middleware in settings.MIDDLEWARE costs per request, in-process, debug off.

    .venv/bin/python bench/profile_middleware.py [--requests 400] [--rounds 7] [--gzip]
        [--path /articles/x/ ...]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ldn_bench_10000_1000000 \
        REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python bench/profile_middleware.py

Pages: the LDN article from the page cache (a hit), the constant page of the same size
(`/_bench/constant/<bytes>/`) and any `--path`. The database is DATABASE_URL's; without one, a
temporary SQLite database with the demo content (`load_demo`). The page cache is Redis with
REDIS_URL, otherwise the file-based cache in a temporary LDN_CACHE_DIR.

How: the real middleware chain (Django's own handler, WSGI environ in, response closed) with a
marker between every two middleware. A marker notes the time a request passes it on the way
in and its response on the way out, so each middleware's own time is what lies between its two
markers, both ways; a middleware that answers itself (a page-cache hit) owns everything inside
it. Its `process_view`, `process_template_response` and `process_exception` hooks, which
Django calls from inside the innermost layer, are timed apart and added to it. "URL resolution
and view" is the innermost layer without those hooks; "WSGI handler" is the request object,
the request_started/request_finished signals and closing the response. Each figure is the
median over rounds of the per-request mean in a round; the totals row without markers is the
same chain timed bare, so the markers' own cost is the difference.
"""

import argparse
import atexit
import gc
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TEMP = Path(tempfile.mkdtemp(prefix="ldn-profile-mw-"))
atexit.register(shutil.rmtree, TEMP, ignore_errors=True)
HOST = "127.0.0.1"

# Production-like settings unless the caller set them (as bench/server.py's production_env).
for name, value in {
    "DJANGO_SETTINGS_MODULE": "ldn_portal.settings",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "profile-only-" + os.urandom(16).hex(),
    "DJANGO_ALLOWED_HOSTS": HOST,
    "DJANGO_CONN_MAX_AGE": "60",
    "DJANGO_LOG_LEVEL": "WARNING",
    "LDN_BENCH_VIEWS": "true",
    "LDN_CACHE_DIR": str(TEMP / "cache"),
    "STATIC_ROOT": str(TEMP / "static"),
    # The article page carries a form token of the current bucket and leaves the page cache
    # when the bucket ends (15 s by default): long buckets keep the re-render out of the hits.
    "LDN_INQUIRY_FORM_TOKEN_BUCKET_SECONDS": "3600",
}.items():
    os.environ.setdefault(name, value)
DEMO_DATABASE = "DATABASE_URL" not in os.environ
if DEMO_DATABASE:
    os.environ["DATABASE_URL"] = f"sqlite:///{TEMP / 'db.sqlite3'}"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

# The middleware startproject writes into a new project's settings (Django 5.2).
STARTPROJECT_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# (layer, "in" or "out", perf_counter) for the request being timed; hooks' (layer, seconds).
_marks = []
_hooks = []


class _Marker:
    """Notes when a request enters the layer below it and when its response comes back."""

    layer = 0

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _marks.append((self.layer, "in", time.perf_counter()))
        response = self.get_response(request)
        _marks.append((self.layer, "out", time.perf_counter()))
        return response


def marked(middleware):
    """MIDDLEWARE with a marker before each entry and one before the innermost layer: marker i
    stands just outside middleware i; the last one just outside URL resolution and the view."""
    module = types.ModuleType("_profile_markers")
    sys.modules[module.__name__] = module
    chain = []
    for layer in range(len(middleware) + 1):
        setattr(module, f"M{layer}", type(f"M{layer}", (_Marker,), {"layer": layer}))
        chain.append(f"{module.__name__}.M{layer}")
        if layer < len(middleware):
            chain.append(middleware[layer])
    return chain


def timed_hook(layer, method):
    def hook(*args, **kwargs):
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            _hooks.append((layer, time.perf_counter() - started))

    return hook


def handler_for(middleware, with_markers):
    with override_settings(MIDDLEWARE=marked(middleware) if with_markers else middleware):
        handler = WSGIHandler()
    if with_markers:
        layer_of = {path.rsplit(".", 1)[1]: i for i, path in enumerate(middleware)}
        for name in ("_view_middleware", "_template_response_middleware"):
            setattr(
                handler,
                name,
                [
                    timed_hook(layer_of[type(hook.__self__).__name__], hook)
                    for hook in getattr(handler, name)
                ],
            )
        handler._exception_middleware = [
            timed_hook(layer_of[type(hook.__self__).__name__], hook)
            for hook in handler._exception_middleware
        ]
    return handler


def environ(path, gzip):
    path, _, query = path.partition("?")
    values = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": HOST,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": HOST,
        "HTTP_HOST": HOST,
        "HTTP_USER_AGENT": "profile_middleware",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if gzip:
        values["HTTP_ACCEPT_ENCODING"] = "gzip, deflate, br"
    return values


def serve(handler, path, gzip):
    """One request as gunicorn makes it: status, headers, body bytes, response closed."""
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    response = handler(environ(path, gzip), start_response)
    try:
        answer["body"] = b"".join(response)
    finally:
        response.close()
    return answer


def one_request(handler, path, gzip, names):
    """Seconds spent in each of `names` (WSGI handler, each middleware, the view)."""
    _marks.clear()
    _hooks.clear()
    started = time.perf_counter()
    serve(handler, path, gzip)
    total = time.perf_counter() - started
    inside, entered, left = {}, {}, {}
    for layer, way, moment in _marks:
        (entered if way == "in" else left)[layer] = moment
    for layer in entered:
        inside[layer] = left[layer] - entered[layer]
    spent = dict.fromkeys(names, 0.0)
    for layer, seconds in inside.items():
        below = inside.get(layer + 1, 0.0)
        spent[names[layer + 1]] += seconds - below
    for layer, seconds in _hooks:
        spent[names[layer + 1]] += seconds
        spent[names[-1]] -= seconds
    spent[names[0]] = total - inside[0]
    return spent, total


def profile(path, gzip, requests, rounds, compare_startproject):
    middleware = list(settings.MIDDLEWARE)
    names = ["WSGI handler", *middleware, "URL resolution and view"]
    instrumented = handler_for(middleware, with_markers=True)
    bare = {"without markers": handler_for(middleware, with_markers=False)}
    if compare_startproject:
        bare["startproject middleware"] = handler_for(STARTPROJECT_MIDDLEWARE, with_markers=False)
    serve(bare["without markers"], path, gzip)  # a page-cache miss stores the page
    first = serve(bare["without markers"], path, gzip)
    if not first["status"].startswith("200"):
        raise SystemExit(f"{path} answered {first['status']}")
    per_round = {name: [] for name in names}
    totals = {"with markers": [], **{label: [] for label in bare}}
    for _ in range(rounds):
        gc.collect()
        sums = dict.fromkeys(names, 0.0)
        marked_total = 0.0
        for _ in range(requests):
            spent, total = one_request(instrumented, path, gzip, names)
            marked_total += total
            for name, seconds in spent.items():
                sums[name] += seconds
        for name in names:
            per_round[name].append(sums[name] / requests * 1000)
        totals["with markers"].append(marked_total / requests * 1000)
        for label, handler in bare.items():
            started = time.perf_counter()
            for _ in range(requests):
                serve(handler, path, gzip)
            totals[label].append((time.perf_counter() - started) / requests * 1000)
    return (
        {name: statistics.median(values) for name, values in per_round.items()},
        {label: statistics.median(values) for label, values in totals.items()},
        first,
    )


def print_table(title, costs, totals):
    print(f"\n{title}")
    print(f"{'layer':58} {'ms/request':>10} {'share':>6}")
    whole = sum(costs.values())
    for name, ms in costs.items():
        print(f"{name:58} {ms:10.3f} {ms / whole:6.1%}")
    print(f"{'sum of the layers (with markers)':58} {whole:10.3f}")
    for label, ms in totals.items():
        print(f"{'total, ' + label:58} {ms:10.3f}")


def bench_article():
    """The article bench/run.py measures: the newest live article on low-dose naltrexone."""
    from articles.models import Article

    live = Article.objects.live().order_by("-last_published_at")
    article = live.filter(topics__slug="low-dose-naltrexone").first() or live.first()
    if article is None:
        raise SystemExit("no live article in this database: run manage.py load_demo")
    return article.get_absolute_url()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="per page per round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--gzip", action="store_true", help="send Accept-Encoding: gzip")
    parser.add_argument("--path", action="append", default=[], help="another page to profile")
    args = parser.parse_args()
    if DEMO_DATABASE:
        call_command("migrate", verbosity=0)
        call_command("load_demo", verbosity=0)
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)  # the manifest pages use
    article = bench_article()
    size = len(
        serve(handler_for(list(settings.MIDDLEWARE), False), article + "?size=1", False)["body"]
    )
    # The constant page is also timed through startproject's middleware: a plain Django's.
    pages = [
        (f"cached article {article}", article, False),
        (f"constant page ({size:,} bytes)", f"/_bench/constant/{size}/", True),
        *((path, path, False) for path in args.path),
    ]
    print(
        f"database: {connection.vendor}; cache: {settings.CACHES['default']['BACKEND']}; "
        f"{args.rounds} rounds x {args.requests} requests per page"
        + ("; Accept-Encoding: gzip" if args.gzip else "; no Accept-Encoding (as wrk)")
    )
    for title, path, compare_startproject in pages:
        costs, totals, first = profile(
            path, args.gzip, args.requests, args.rounds, compare_startproject
        )
        cache_state = first["headers"].get("X-Page-Cache")
        served = f"page cache {cache_state}" if cache_state else "not from the page cache"
        print_table(f"{title}: {len(first['body']):,} bytes, {served}", costs, totals)


if __name__ == "__main__":
    main()
