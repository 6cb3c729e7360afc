"""Slow senders against gunicorn alone and behind a buffering nginx (issue 18 item 4).

Usage (from the project root; needs PostgreSQL as for bench/load_ask.py, and Debian's nginx):

    .venv/bin/python bench/slow_clients.py [--connections 16 64] [--wait 15] [--json]

It starts gunicorn as the container does (deploy/gunicorn.conf.py, the Dockerfile's
GUNICORN_CMD_ARGS: 2 gthread workers of 8 threads, 30 s timeout) and a private nginx on
another loopback port proxying to it (its defaults: request headers and bodies buffered
before anything reaches gunicorn). For each target and count it opens that many connections
that each send half a request line, or complete headers and 10 of 1,000 promised body bytes,
and then stop; 2 s later it times one `GET /healthz` on a fresh connection (giving up after
--wait seconds) and closes the slow ones.
"""

import argparse
import contextlib
import http.client
import json
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from load_ask import running_site  # the script's own folder
from server import free_port

NGINX_CONF = """
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream app {{ server 127.0.0.1:{app_port}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }}
    }}
}}
"""

SLOW = {
    "half a request line": b"GET /articles/ HT",
    "headers, then 10 of 1,000 body bytes": (
        b"POST /ask/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
        b"application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nquestion=a"
    ),
}


@contextlib.contextmanager
def nginx_in_front(app_port):
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    with tempfile.TemporaryDirectory(prefix="ldn-nginx-") as folder:
        port = free_port()
        conf = Path(folder) / "nginx.conf"
        conf.write_text(NGINX_CONF.format(folder=folder, app_port=app_port, port=port))
        process = subprocess.Popen(
            [binary, "-c", str(conf), "-p", folder, "-e", f"{folder}/error.log"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                with contextlib.suppress(OSError):
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                time.sleep(0.05)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=10)


def health_seconds(port, count, opening, wait):
    """Seconds one GET /healthz took with `count` slow senders open, or None: no answer."""
    slow = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(opening)
            slow.append(sock)
        time.sleep(2)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=wait)
        started = time.monotonic()
        try:
            connection.request("GET", "/healthz")
            status = connection.getresponse().status
        except (OSError, http.client.HTTPException):
            return None
        finally:
            connection.close()
        return round(time.monotonic() - started, 3) if status == 200 else f"status {status}"
    finally:
        for sock in slow:
            sock.close()
        time.sleep(1)  # let the workers drop the closed connections


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--wait", type=float, default=15, help="Longest wait for /healthz.")
    parser.add_argument("--database", default="ldn_bench_slow_clients")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    figures = []
    with running_site(args.database, deploy_config=True) as (base, _):
        app_port = int(base.rsplit(":", 1)[1])
        with nginx_in_front(app_port) as nginx_port:
            for target, port in (("gunicorn alone", app_port), ("behind nginx", nginx_port)):
                for kind, opening in SLOW.items():
                    for count in args.connections:
                        seconds = health_seconds(port, count, opening, args.wait)
                        figures.append(
                            {"target": target, "slow senders": f"{count} x {kind}",
                             "healthz seconds": seconds if seconds is not None
                             else f"no answer in {args.wait:g} s"}
                        )  # fmt: skip
    if args.json:
        print(json.dumps(figures))
    else:
        for row in figures:
            print(f"{row['target']:>15} | {row['slow senders']:>45} | {row['healthz seconds']}")


if __name__ == "__main__":
    main()
