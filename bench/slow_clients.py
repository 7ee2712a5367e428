#!/usr/bin/env python
"""Slow request bodies against gunicorn alone and behind nginx, in one run (issue 14 §3).

    .venv/bin/python bench/slow_clients.py [--slow 50] [--hold 12] [--workers 4 --threads 4]

Starts gunicorn with the repository's deploy/gunicorn.conf.py and nginx with deploy/nginx/zhifa.conf, turned
into a loopback variant (plain HTTP on free ports, no certificates; every timeout, limit and buffering rule
as in production) in a temporary folder: nginx runs unprivileged with `-p <tmp> -c <tmp>/nginx.conf`, its
pid, logs and temporary files inside. The database is a fresh SQLite file there too (DEBUG off).

Then, once against gunicorn directly and once through nginx, it opens --slow connections that each declare
a POST body of --declared bytes to /portal/requests/new/ and send --sent of them (every --trickle seconds one
more, if set), keeps them open for --hold seconds, and meanwhile asks for /portal/ every --interval seconds
from another address. It prints p50/max of those answers for both paths. Everything listens on 127.0.0.x
only, every wait is bounded, and both servers are stopped at the end, also on failure or Ctrl+C.

A gthread thread reads the body itself, inside Django's CSRF check (any POST with a CSRF cookie), so each
slow connection holds one of workers × threads threads; nginx reads bodies before passing them on.
"""

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
NGINX_CONF = ROOT / "deploy" / "nginx" / "zhifa.conf"
POST_PATH = "/portal/requests/new/"
PROBE_PATH = "/portal/"
PROBE_SOURCE = "127.0.0.1"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx")
                                          if os.access(p, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loopback_site(text: str, *, app_port: int, https_port: int, http_port: int) -> str:
    """deploy/nginx/zhifa.conf on loopback: the TLS server becomes plain HTTP on `https_port`, the redirect
    server listens on `http_port`, the upstream is gunicorn's port. Each rewrite must match exactly once, so
    a change to the production file that this test variant would no longer follow fails here."""
    rewrites = [
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{app_port};"),
        (r"\n\s*listen 80;", f"\n    listen 127.0.0.1:{http_port};"),
        (r"\n\s*listen \[::\]:80;", ""),
        (r"\n\s*listen 443 ssl http2;", f"\n    listen 127.0.0.1:{https_port};"),
        (r"\n\s*listen \[::\]:443 ssl http2;", ""),
    ]
    for pattern, replacement in rewrites:
        text, n = re.subn(pattern, replacement, text)
        if n != 1:
            raise ServerError(f"deploy/nginx/zhifa.conf: expected one match of {pattern!r}, found {n}")
    # No certificates on loopback: drop the TLS lines (they are all ssl_*).
    return re.sub(r"\n\s*ssl_[a-z_]+ [^\n]*", "", text)


def nginx_main_conf(tmp: Path, site: Path) -> str:
    return f"""daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {site};
}}
"""


def _drop_privileges():
    # nginx must not run as root here: as root its master would switch workers to another user anyway.
    os.setgid(65534)
    os.setuid(65534)


class ServerError(RuntimeError):
    pass


class Servers:
    """gunicorn (repo config) and nginx (loopback variant of the repo config), started and always stopped."""

    def __init__(self, tmp: Path, *, workers: int, threads: int):
        self.tmp, self.workers, self.threads = tmp, workers, threads
        # nginx's own folder, in the system temporary folder: when this runs as root, nginx runs as nobody,
        # who must be able to reach it (a pytest tmp_path is inside a folder only root may enter).
        self.ngx = Path(tempfile.mkdtemp(prefix="zhifa-nginx-"))
        self.app_port, self.nginx_port, self.redirect_port = free_port(), free_port(), free_port()
        self.procs: list[subprocess.Popen] = []

    def env(self) -> dict:
        data = self.tmp / "data"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "ZHIFA_", "DATABASE_"))}
        env.update({
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "ZHIFA_DATA_DIR": str(data),
            "DATABASE_URL": f"sqlite:///{data / 'zhifa.sqlite3'}",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "ZHIFA_PROXY_CLIENT_HEADER": "X-Real-IP",
            "ZHIFA_TRUSTED_PROXIES": "127.0.0.1",
            "PYTHONUNBUFFERED": "1",
        })
        return env

    def prepare(self):
        """Migrate a fresh SQLite database and add the top jurisdiction the portal's root page shows."""
        code = ("import django; django.setup(); from django.core.management import call_command; "
                "call_command('migrate', verbosity=0); "
                "from zhifa.org.models import Level; from zhifa.org.services import jurisdiction_create; "
                "jurisdiction_create(name='慢速测试区', code='970000', level=Level.REGION, parent=None)")
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=self.env(), check=True, timeout=600,
                       stdout=subprocess.DEVNULL)

    def start(self, nginx: str):
        env = self.env()
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.procs.append(subprocess.Popen(
            [str(gunicorn), "-c", str(GUNICORN_CONF), "--bind", f"127.0.0.1:{self.app_port}",
             "--workers", str(self.workers), "--threads", str(self.threads), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(self.tmp / "gunicorn.log", "wb"),
            start_new_session=True))
        ngx = self.ngx
        site = ngx / "zhifa.conf"
        site.write_text(loopback_site(NGINX_CONF.read_text(), app_port=self.app_port,
                                      https_port=self.nginx_port, http_port=self.redirect_port))
        (ngx / "nginx.conf").write_text(nginx_main_conf(ngx, site))
        root = os.geteuid() == 0
        if root:
            for path in (ngx, site, ngx / "nginx.conf"):
                os.chown(path, 65534, 65534)
        self.procs.append(subprocess.Popen(
            [nginx, "-p", str(ngx), "-c", str(ngx / "nginx.conf"), "-e", str(ngx / "error.log")],
            cwd=ngx, stdout=subprocess.DEVNULL, stderr=open(self.tmp / "nginx.stderr", "wb"),
            preexec_fn=_drop_privileges if root else None, start_new_session=True))
        self.wait_ready(self.app_port)
        self.wait_ready(self.nginx_port)

    def wait_ready(self, port: int, seconds: float = 60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for proc in self.procs:
                if proc.poll() is not None:
                    raise ServerError(f"server exited ({proc.args[0]})\n{self.logs()}")
            if get_status(port, timeout=2) == 200:
                return
            time.sleep(0.3)
        raise ServerError(f"port {port} did not answer {PROBE_PATH} with 200 in {seconds:.0f} s\n{self.logs()}")

    def logs(self) -> str:
        out = []
        for path in (self.tmp / "gunicorn.log", self.tmp / "nginx.stderr", self.ngx / "error.log"):
            if path.exists():
                out.append(f"--- {path}\n{path.read_text(errors='replace')[-3000:]}")
        return "\n".join(out)

    def stop(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                # gunicorn: SIGINT is its quick shutdown; nginx: SIGTERM is its fast shutdown.
                proc.send_signal(signal.SIGINT if "gunicorn" in str(proc.args[0]) else signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        self.procs.clear()

    def remove(self):
        shutil.rmtree(self.ngx, ignore_errors=True)


def get_status(port: int, *, timeout: float, path: str = PROBE_PATH) -> int | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(PROBE_SOURCE, 0))
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        conn.close()


class Target(NamedTuple):
    method: str
    path: str
    headers: str  # extra header lines, each ending in CRLF


FORM = Target("POST", POST_PATH, "Content-Type: application/x-www-form-urlencoded\r\n")
# A PATCH to an upload that does not exist, from a client that has not logged in: the streaming route.
TUS = Target("PATCH", "/api/tus/00000000-0000-4000-8000-000000000000/",
             "Content-Type: application/offset+octet-stream\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n")


def open_slow(port: int, index: int, *, target: "Target", declared: int, sent: int) -> socket.socket:
    """A POST that declares `declared` bytes and sends `sent`. With a (well-formed) CSRF cookie and no
    token in a header, Django's CSRF check reads the form body for the token: any POST route reads it."""
    # One address per attacker (127.0.1.x), so the per-address limits are not what saves the server here,
    # and /portal/ is asked from 127.0.0.1 like any other visitor.
    source = f"127.0.{1 + index // 250}.{1 + index % 250}"
    sock = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    head = (f"{target.method} {target.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: csrftoken={'A' * 32}\r\n"
            f"Content-Length: {declared}\r\n{target.headers}\r\n")
    sock.sendall(head.encode() + b"a=" + b"x" * max(sent - 2, 0))
    return sock


def attack(port: int, *, slow: int, declared: int, sent: int, hold: float, interval: float,
           probe_timeout: float, trickle: float, target: Target = FORM) -> dict:
    """Open `slow` slow connections, probe /portal/ every `interval` s for `hold` s, then close them."""
    socks = [open_slow(port, i, target=target, declared=declared, sent=sent) for i in range(slow)]
    time.sleep(0.3)  # let the server take them up
    results: list[float | None] = []
    lock = threading.Lock()

    def probe():
        t = time.perf_counter()
        status = get_status(port, timeout=probe_timeout)
        with lock:
            results.append(time.perf_counter() - t if status == 200 else None)

    threads, start, extra = [], time.monotonic(), 0
    while time.monotonic() - start < hold:
        thread = threading.Thread(target=probe, daemon=True)
        thread.start()
        threads.append(thread)
        if trickle and (time.monotonic() - start) // trickle > extra:
            extra += 1
            for sock in socks:
                try:
                    sock.send(b"x")
                except OSError:
                    pass
        time.sleep(interval)
    # What became of the slow senders by the end: still open (the server waits for the body), or answered
    # (429: over nginx's connection limit; 400/401/403: Django) or closed (nginx, after client_body_timeout).
    fate: Counter[str] = Counter()
    for sock in socks:
        sock.setblocking(False)
        try:
            head = sock.recv(64)
            fate[head.split(b" ", 2)[1].decode() if head.startswith(b"HTTP/") else "closed"] += 1
        except BlockingIOError:
            fate["open"] += 1
        except OSError:
            fate["closed"] += 1
        sock.close()
    for thread in threads:
        thread.join(timeout=probe_timeout + 1)
    answered = sorted(r for r in results if r is not None)
    return {"probes": len(results), "answered": len(answered), "fate": fate,
            "p50": statistics.median(answered) if answered else None, "max": max(answered) if answered else None,
            "within_1s": sum(r <= 1.0 for r in answered)}


def line(label: str, r: dict) -> str:
    def ms(v):
        return f"{v * 1000:8.1f} ms" if v is not None else "       — ms"
    fate = ", ".join(f"{k} {v}" for k, v in sorted(r["fate"].items()))
    return (f"{label:<42} p50 {ms(r['p50'])}  max {ms(r['max'])}  answered {r['answered']}/{r['probes']} "
            f"(within 1 s: {r['within_1s']});  slow senders at the end: {fate}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slow", type=int, default=50, help="slow connections (default 50)")
    parser.add_argument("--declared", type=int, default=10_000, help="declared body size (default 10000)")
    parser.add_argument("--sent", type=int, default=10, help="bytes of it sent (default 10)")
    parser.add_argument("--trickle", type=float, default=0, help="send one more byte every N s (default: never)")
    parser.add_argument("--hold", type=float, default=12, help="seconds the slow connections stay open (12)")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between /portal/ probes (0.5)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4, as README)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4, as README)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if args.slow > 60_000:
        parser.error("--slow: at most 60000")
    nginx = nginx_binary()
    if nginx is None:
        print("nginx is not installed (apt-get install nginx-light); .ci/run installs it", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="zhifa-slow-"))
    servers = Servers(tmp, workers=args.workers, threads=args.threads)
    try:
        servers.prepare()
        servers.start(nginx)
        trickle = f" (+1 byte every {args.trickle:g} s)" if args.trickle else ""
        print(f"{args.slow} slow clients, one address each, each declaring a {args.declared}-byte body and sending "
              f"{args.sent} bytes{trickle}, held {args.hold:g} s; /portal/ asked every {args.interval:g} s meanwhile")
        print(f"gunicorn -c deploy/gunicorn.conf.py: {args.workers} workers x {args.threads} threads (gthread) = "
              f"{args.workers * args.threads} threads; nginx -c <loopback variant of deploy/nginx/zhifa.conf>")
        idle = []
        for _ in range(10):
            t = time.perf_counter()
            get_status(servers.nginx_port, timeout=5)
            idle.append(time.perf_counter() - t)
        print("/portal/ response time:")
        print(f"{'idle → nginx':<42} p50 {statistics.median(idle) * 1000:8.1f} ms  max {max(idle) * 1000:8.1f} ms")
        common = dict(slow=args.slow, declared=args.declared, sent=args.sent, hold=args.hold,
                      interval=args.interval, probe_timeout=args.hold + 10, trickle=args.trickle)
        for label, port, target in (
            ("slow POST /portal/requests/new/ → gunicorn", servers.app_port, FORM),
            ("slow POST /portal/requests/new/ → nginx", servers.nginx_port, FORM),
            ("slow PATCH /api/tus/… (streamed) → nginx", servers.nginx_port, TUS),
        ):
            print(line(label, attack(port, target=target, **common)), flush=True)
            servers.wait_ready(port)  # threads free again once the slow sockets closed
    except ServerError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        servers.stop()
        if args.keep:
            print(f"kept {tmp} and {servers.ngx}")
        else:
            servers.remove()
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
