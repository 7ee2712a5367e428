"""gunicorn for zhifa in production, behind nginx (deploy/nginx/zhifa.conf; README "Production").

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py config.wsgi:application

A gthread worker's thread reads the request body itself, so a client that sends its body slowly holds one
thread for as long as it likes (issue 14 §3: 20 such connections left /portal/ unanswered for 12 s). nginx in
front therefore reads every body in full before it passes the request on (proxy_request_buffering), except
on /api/tus/, where the upload must stream; gunicorn listens on loopback only, so nothing reaches it but
nginx. Command-line options override these values (bench/slow_clients.py binds a free port that way).
"""

import os
from pathlib import Path

# The project folder, so that `config.wsgi` imports whatever the working directory of the service.
chdir = str(Path(__file__).resolve().parent.parent)
# Loopback only: the reverse proxy on the same host is the only client. (A proxy on another host: bind the
# private address and list that proxy in forwarded_allow_ips and ZHIFA_TRUSTED_PROXIES.)
bind = os.environ.get("ZHIFA_BIND", "127.0.0.1:8000")
wsgi_app = "config.wsgi:application"

# 4 processes × 4 threads, as measured in bench/portal.py; more processes for more cores (WEB_CONCURRENCY).
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
threads = int(os.environ.get("ZHIFA_THREADS", "4"))

# A worker that does not report for this long (stuck in C code, a runaway request) is killed and replaced.
# The longest legitimate request is a sealed case-file download; 120 s covers it with room.
timeout = 120
graceful_timeout = 30
# nginx keeps upstream connections open (keepalive 16 in its upstream block): keep them a little longer
# than nginx does, so gunicorn never closes one nginx is about to reuse.
keepalive = 75
# Recycle workers now and then so a slow leak in a C extension (WeasyPrint, PyAV) cannot grow forever.
max_requests = 2000
max_requests_jitter = 200

# Request-line and header limits: gunicorn's defaults, stated so they are reviewed with nginx's.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# Only nginx on this host may say which scheme the client used (X-Forwarded-Proto → wsgi.url_scheme).
# Django applies the same rule to its own SECURE_PROXY_SSL_HEADER through zhifa.core.proxy.
forwarded_allow_ips = os.environ.get("ZHIFA_TRUSTED_PROXIES", "127.0.0.1,::1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# Logs to stderr, for systemd's journal; nginx keeps the access log with the client's real address.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Heartbeat files in memory, not on a disk that may stall under load.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
