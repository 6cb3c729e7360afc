"""The servers `make bench` measures the portal against (issue 16), beside its own endpoints.

- nginx serving the article page's bytes as a static file: the reference for Varnish;
- the article page through Varnish (deploy/varnish/default.vcl) in front of the bench gunicorn;
- a second gunicorn of the portal without REDIS_URL: the one-box file cache;
- a plain `django-admin startproject` Django with a constant page of the article page's size;
- a Wagtail 8 article page with the article's text as its rich-text body, on PostgreSQL.

Each one starts only when `--only` selects one of its rows, on a private loopback port, with
the bench's number of workers, and is skipped with a message when its binary is missing (a
failure in CI). Nothing here is a dependency of the project: the plain Django project and the
Wagtail site are generated into temporary folders at bench time, and Wagtail is installed into
bench/.wagtail/venv (ignored by git, kept between runs).
"""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from server import ROOT, free_port, start_gunicorn, stop

NGINX = "nginx, the article's bytes as a static file"
VARNISH = "article page through Varnish"
# The same two as a browser asks: Varnish keeps the app's gzip and serves it as it is (without
# Accept-Encoding it serves a plain copy it fetched without); nginx serves the same gzip bytes
# (gzip_static).
GZIP = "Accept-Encoding: gzip"
NGINX_GZIP = f"{NGINX}, {GZIP}"
VARNISH_GZIP = f"{VARNISH}, {GZIP}"
ONE_BOX_CONSTANT = "constant page, one-box file cache"
ONE_BOX_ARTICLE = "article page (cached, one-box file cache)"
PLAIN_DJANGO = "plain Django constant page (startproject)"
WAGTAIL = "Wagtail 8 article page (no page cache)"
UPPER_BOUND = "upper bound (constant page)"

# (row, its reference, the least ratio issue 16 asks for)
TARGETS = [
    (VARNISH, NGINX, 0.5),
    (VARNISH_GZIP, NGINX_GZIP, 0.5),
    ("article page (cached)", UPPER_BOUND, 0.9),
    (ONE_BOX_ARTICLE, UPPER_BOUND, 0.7),
    ("article page (cached)", PLAIN_DJANGO, 0.8),
    ("article page (uncached)", WAGTAIL, 1.0),
]

WAGTAIL_VERSION = "8.0.1"
WAGTAIL_HOME = ROOT / "bench" / ".wagtail"
# The same bytes as ldn_portal.bench.constant_page, for the plain Django project.
PLAIN_VIEW = """from django.http import HttpResponse

HEAD = b"<!doctype html><html lang=en><title>Constant page</title><p>"


def constant_page(request, size):
    return HttpResponse(HEAD + b"x" * (size - len(HEAD)), content_type="text/html")
"""
PLAIN_URLS = """
from plainsite.views import constant_page  # noqa: E402

urlpatterns += [path("constant/<int:size>/", constant_page)]
"""
WAGTAIL_MODELS = """from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class ArticlePage(Page):
    intro = models.TextField(blank=True)
    body = RichTextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
"""
# A cheap page for bench/run.py's wait for idle workers, ahead of Wagtail's catch-all.
WAGTAIL_URLS = """
from django.http import HttpResponse  # noqa: E402

urlpatterns.insert(0, path("healthz", lambda request: HttpResponse("ok")))
"""
WAGTAIL_TEMPLATE = """{% extends "base.html" %}
{% load wagtailcore_tags %}

{% block body_class %}template-articlepage{% endblock %}

{% block content %}
<article>
    <h1>{{ page.title }}</h1>
    <p class="intro">{{ page.intro }}</p>
    {{ page.body|richtext }}
</article>
{% endblock %}
"""
# The article's text, its body repeated until the page is about as large as ours.
WAGTAIL_PAGE = """
import json, sys
from django.test import Client
from home.models import HomePage
from benchpages.models import ArticlePage

data = json.loads(sys.stdin.read())
home = HomePage.objects.first()
article = ArticlePage(title=data["title"], slug="article", intro=data["summary"], body=data["body"])
page = home.add_child(instance=article)
page.save_revision().publish()
size = len(Client(HTTP_HOST="127.0.0.1").get(page.url).content)
copies = max(1, round((data["size"] - size) / len(data["body"])) + 1)
page.body = "\\n".join([data["body"]] * copies)
page.save_revision().publish()
print(json.dumps({"path": page.url, "copies": copies}))
"""
# The article bench/run.py measures (as bench_plan picks it), for the Wagtail page's text.
ARTICLE_TEXT = """
import json
from articles.models import Article

live = Article.objects.live().order_by("-last_published_at")
article = live.filter(topics__slug="low-dose-naltrexone").first() or live.first()
print(json.dumps(dict(zip(("title", "summary", "body"), live.filter(pk=article.pk).values_list(
    "live_version__title", "live_version__summary", "live_version__body").get()))))
"""


class Skipped(Exception):
    """A reference server that cannot run here; the message says why."""


def binary(name, package):
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if path is None:
        message = f"{name} not found: apt-get install {package}"
        if os.environ.get("CI", "").lower() == "true":
            raise SystemExit(message)
        raise Skipped(message)
    return path


def wait_for(url, timeout=60, headers=None):
    """The body of `url` (as sent: gzip stays gzip) once it answers."""
    deadline = time.time() + timeout
    while True:
        try:
            request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (loopback)
            with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 (loopback)
                return answer.read()
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.3)


def private_folder(stack, prefix):
    """A temporary folder that the servers' unprivileged users (nginx's, Varnish's) can read."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    folder.chmod(0o755)
    stack.callback(shutil.rmtree, folder, ignore_errors=True)
    return folder


def process(stack, command, **kwargs):
    running = subprocess.Popen(  # noqa: S603 (our own servers)
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs
    )

    def end():
        running.terminate()
        running.wait(timeout=20)

    stack.callback(end)
    return running


def gunicorn(stack, env, workers, **kwargs):
    port = free_port()
    server = start_gunicorn(env, port, workers, **kwargs)
    stack.callback(stop, server)
    return f"http://127.0.0.1:{port}"


def nginx(stack, path, content, gzipped, workers):
    """Debian's nginx with a private prefix and config, `content` as the file at `path`, and
    `gzipped` for requests that accept gzip."""
    executable = binary("nginx", "nginx")
    folder = private_folder(stack, "ldn-bench-nginx-")
    page = folder / "www" / path.strip("/") / "index.html"
    page.parent.mkdir(parents=True)
    page.write_bytes(content)
    page.with_suffix(".html.gz").write_bytes(gzipped)
    for part in page.parents:
        if part == folder:
            break
        part.chmod(0o755)
    page.chmod(0o644)
    page.with_suffix(".html.gz").chmod(0o644)
    port = free_port()
    (folder / "nginx.conf").write_text(
        f"""worker_processes {workers};
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    default_type text/html;
    sendfile on;
    gzip_static on;
    gzip_vary on;
    tcp_nopush on;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {folder}/www;
    }}
}}
"""
    )
    process(stack, [executable, "-p", str(folder), "-c", str(folder / "nginx.conf")])
    base = f"http://127.0.0.1:{port}"
    if wait_for(base + path, timeout=20) != content:
        raise SystemExit("nginx served other bytes than the article page's")
    return base


def varnish(stack, app_base):
    """Debian's varnishd with deploy/varnish/default.vcl, its backend port set to the bench
    gunicorn's and its purge ACL to loopback (the VCL's own)."""
    executable = binary("varnishd", "varnish")
    vcl = (ROOT / "deploy/varnish/default.vcl").read_text()
    vcl = vcl.replace('.port = "8000";', f'.port = "{urllib.parse.urlsplit(app_base).port}";')
    folder = private_folder(stack, "ldn-bench-varnish-")
    (folder / "default.vcl").write_text(vcl)
    (folder / "default.vcl").chmod(0o644)
    port = free_port()
    process(
        stack,
        [executable, "-F", "-a", f"127.0.0.1:{port}", "-f", str(folder / "default.vcl")]
        + ["-n", str(folder / "n"), "-s", "malloc,64m"],
    )
    return f"http://127.0.0.1:{port}"


def plain_django(stack, workers):
    """`django-admin startproject` with DEBUG off and its default middleware, plus one view."""
    folder = private_folder(stack, "ldn-bench-plain-django-")
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "plainsite", str(folder)], check=True
    )
    settings = folder / "plainsite" / "settings.py"
    settings.write_text(settings.read_text() + '\nDEBUG = False\nALLOWED_HOSTS = ["127.0.0.1"]\n')
    (folder / "plainsite" / "views.py").write_text(PLAIN_VIEW)
    urls = folder / "plainsite" / "urls.py"
    urls.write_text(urls.read_text() + PLAIN_URLS)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "plainsite.settings",
    }
    return gunicorn(
        stack,
        env,
        workers,
        app="plainsite.wsgi:application",
        cwd=folder,
        ready_path="/constant/100/",
    )


def wagtail_python():
    """bench/.wagtail/venv's Python with Wagtail installed (installed on first use)."""
    venv = WAGTAIL_HOME / "venv"
    python = venv / "bin" / "python"
    marker = venv / f".installed-{WAGTAIL_VERSION}"
    if not marker.exists():
        print(f"Installing Wagtail {WAGTAIL_VERSION} into {venv} (once)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        installed = subprocess.run(
            [python, "-m", "pip", "install", "-q", f"wagtail=={WAGTAIL_VERSION}"]
            + ["gunicorn", "psycopg2-binary"],
            check=False,
        )
        if installed.returncode:
            raise Skipped(f"could not install wagtail=={WAGTAIL_VERSION} with pip")
        marker.touch()
    return str(python)


def recreate_database(postgres, name):
    import psycopg2

    connection = psycopg2.connect(postgres + "/postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


def wagtail(stack, workers, portal_env, postgres, database, size):
    """A `wagtail start` site on its own PostgreSQL database (made afresh), debug off, with one
    article page whose title, summary and rich-text body are the bench article's, the body
    repeated until the page is about `size` bytes. Returns its address, path and the copies."""
    python = wagtail_python()
    article = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", ARTICLE_TEXT],
        cwd=ROOT,
        env=portal_env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    folder = private_folder(stack, "ldn-bench-wagtail-")
    wagtail_bin = str(Path(python).parent / "wagtail")
    subprocess.run([wagtail_bin, "start", "benchsite", str(folder)], check=True)
    app = folder / "benchpages"
    (app / "templates" / "benchpages").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "models.py").write_text(WAGTAIL_MODELS)
    (app / "templates" / "benchpages" / "article_page.html").write_text(WAGTAIL_TEMPLATE)
    urls = folder / "benchsite" / "urls.py"
    urls.write_text(urls.read_text() + WAGTAIL_URLS)
    url = urllib.parse.urlsplit(f"{postgres}/{database}")
    (folder / "benchsite" / "settings" / "bench.py").write_text(
        f"""from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = {os.urandom(16).hex()!r}
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS = [*INSTALLED_APPS, "benchpages"]  # noqa: F405
# Persistent connections, as the portal's bench gunicorn has.
DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.postgresql",
        "NAME": {database!r},
        "USER": {url.username or "postgres"!r},
        "PASSWORD": {url.password or ""!r},
        "HOST": {url.hostname or "127.0.0.1"!r},
        "PORT": {url.port or 5432!r},
        "CONN_MAX_AGE": 60,
    }}
}}
"""
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "benchsite.settings.bench",
    }
    recreate_database(postgres, database)

    def manage(*args, **kwargs):
        return subprocess.run(
            [python, "manage.py", *args], cwd=folder, env=env, check=True, **kwargs
        )

    manage("makemigrations", "benchpages", "-v", "0")
    manage("migrate", "--noinput", "-v", "0")
    manage("collectstatic", "--noinput", "-v", "0")
    page = json.loads(
        manage(
            "shell",
            "--no-imports",
            "-c",
            WAGTAIL_PAGE,
            input=json.dumps({**json.loads(article), "size": size}),
            capture_output=True,
            text=True,
        ).stdout
    )
    base = gunicorn(
        stack,
        env,
        workers,
        app="benchsite.wsgi:application",
        cwd=folder,
        python=python,
        ready_path="/healthz",
    )
    return base, urllib.parse.urlsplit(page["path"]).path, page["copies"]


def selected(name, only):
    return not only or any(part in name for part in only.split(","))


@contextlib.contextmanager
def started(args, base, plan, portal_env, database_prefix):
    """Start the reference servers `args.only` selects; yield (endpoints, notes) for
    bench/run.py to measure with its own, in the same interleaved rounds."""
    article = next(e["path"] for e in plan["endpoints"] if e["name"] == "article page (cached)")
    constant = next(e["path"] for e in plan["endpoints"] if e["name"] == UPPER_BOUND)
    content = wait_for(base + article)  # the page-cache hit every reader gets
    gzipped = wait_for(base + article, headers={"Accept-Encoding": "gzip"})
    endpoints, notes = [], []

    def add(name, row_base, path, idle=None, headers=()):
        # `idle`: a cheap page of the server behind the row, for the wait for idle workers.
        endpoints.append(
            {"name": name, "base": row_base, "path": path, "idle": idle, "headers": headers}
        )

    def static(stack):
        nginx_base = nginx(stack, article, content, gzipped, args.workers)
        add(NGINX, nginx_base, article)
        add(NGINX_GZIP, nginx_base, article, headers=[GZIP])

    def proxy(stack):
        varnish_base = varnish(stack, base)
        add(VARNISH, varnish_base, article)
        add(VARNISH_GZIP, varnish_base, article, headers=[GZIP])

    setups = [
        ([NGINX, NGINX_GZIP], static),
        ([VARNISH, VARNISH_GZIP], proxy),
        ([ONE_BOX_CONSTANT, ONE_BOX_ARTICLE], lambda stack: one_box(stack, add)),
        ([PLAIN_DJANGO], lambda stack: plain(stack, add)),
        ([WAGTAIL], lambda stack: add_wagtail(stack, add)),
    ]

    def one_box(stack, add):
        env = {k: v for k, v in portal_env.items() if k != "REDIS_URL"}
        env["LDN_CACHE_DIR"] = str(private_folder(stack, "ldn-bench-one-box-"))
        one_box_base = gunicorn(stack, env, args.workers)
        add(ONE_BOX_CONSTANT, one_box_base, constant, one_box_base + "/healthz")
        add(ONE_BOX_ARTICLE, one_box_base, article, one_box_base + "/healthz")

    def plain(stack, add):
        plain_base = plain_django(stack, args.workers)
        add(PLAIN_DJANGO, plain_base, f"/constant/{len(content)}/", plain_base + "/constant/100/")

    def add_wagtail(stack, add):
        database = f"{database_prefix}_wagtail"
        uncached = len(wait_for(base + article + "?from=bench"))
        wagtail_base, path, copies = wagtail(
            stack, args.workers, portal_env, args.postgres, database, uncached
        )
        size = len(wait_for(wagtail_base + path))
        notes.append(
            f"Wagtail {WAGTAIL_VERSION}: a `wagtail start` site on its own database "
            f"({database}), debug off, {args.workers} gunicorn workers, persistent connections; "
            f"one article page with the bench article's title and summary and its body "
            f"{copies} times as rich text: {size:,} bytes against our uncached article "
            f"page's {uncached:,}."
        )
        add(WAGTAIL, wagtail_base, path, wagtail_base + "/healthz")

    with contextlib.ExitStack() as stack:
        for names, setup in setups:
            if not any(selected(name, args.only) for name in names):
                continue
            try:
                setup(stack)
            except Skipped as skipped:
                print(f"Skipping {', '.join(names)}: {skipped}", flush=True)
                notes.append(f"Not measured: {', '.join(names)} ({skipped}).")
        yield endpoints, notes


def verdicts(results):
    """One line per issue 16 target whose two rows were measured in this run."""
    lines = []
    for row, reference, target in TARGETS:
        if row in results and reference in results and results[reference]["rps"]:
            ratio = results[row]["rps"] / results[reference]["rps"]
            verdict = "met" if ratio >= target else "NOT MET"
            lines.append(
                f"{row} / {reference}: {ratio:.0%} (target at least {target:.0%}: {verdict})"
            )
    return lines
