"""Settings for zhifa, read from the environment (twelve-factor).

Every setting an operator may change is an environment variable documented in README.md.
"""

import os
import warnings
from pathlib import Path

import dj_database_url
from csp import constants as csp_constants

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("ZHIFA_DATA_DIR", BASE_DIR / "data"))
# `make test` runs the suite in pytest-xdist workers (gw0, gw1 …), each with its own test database: each also keeps
# its own files (signing keys, agency seals, tus staging), so one worker's ids never meet another's files.
if os.environ.get("PYTEST_XDIST_WORKER"):
    DATA_DIR = DATA_DIR / "xdist" / os.environ["PYTEST_XDIST_WORKER"]
DATA_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Production must set SECRET_KEY; the fallback is flagged by `manage.py check --deploy` (security.W009).
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-zhifa-development-only"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # The admin, its default site being zhifa.core.admin_site.ZhifaAdminSite (issue 14 §6: /admin/
    # needs a verified second factor); admin.site and @admin.register keep working across the apps.
    "zhifa.core.admin_apps.ZhifaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "template_partials",
    # django-ninja's own templates and static files: /api/docs then loads Swagger UI from this server,
    # not from a CDN (offline, and allowed by the CSP below).
    "ninja",
    "csp",
    "axes",
    # Second factor (issue 14 §6): TOTP devices, and static devices for single-use recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "zhifa.core",
    "zhifa.ledger",
    "zhifa.org",
    "zhifa.rules",
    "zhifa.discretion",
    "zhifa.cases",
    "zhifa.records",
    "zhifa.review",
    "zhifa.publicity",
    "zhifa.worklist",
    "zhifa.supervision",
    "zhifa.instruments",
    "zhifa.campaigns",
    "zhifa.evaluation",
    "zhifa.assessment",
    "zhifa.inspections",
    "zhifa.cockpit",
    "zhifa.portal",
    "zhifa.demo",
]

# The anonymous portal's page cache (issue 19 §1, zhifa/portal/page_cache.py, its middleware right after WhiteNoise's
# below): the longest a cached page lives, in seconds; a publication, withdrawal or new version ends it at once.
# On by default only with a shared cache (ZHIFA_REDIS_URL): the generations that end a page live in the cache, and
# each process's own memory would not see a withdrawal made by another process (a gunicorn worker, the task worker,
# the checkpoint clock) — review of issue 19. Set it explicitly to cache in memory on a single-process server.
ZHIFA_PORTAL_CACHE_SECONDS = int(os.environ.get("ZHIFA_PORTAL_CACHE_SECONDS",
                                                "300" if os.environ.get("ZHIFA_REDIS_URL") else "0"))
MIDDLEWARE = [
    # Before SecurityMiddleware: X-Forwarded-Proto counts only from a trusted proxy (SECURE_PROXY_SSL_HEADER).
    "zhifa.core.proxy.TrustedProxyHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Issue 19 §1: an anonymous portal page from the shared cache, before any session, user or database work.
    "zhifa.portal.page_cache.PortalPageCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session holds a device that checked a one-time code (issue 14 §6).
    "django_otp.middleware.OTPMiddleware",
    # STYLE habit 4: login is required by default; public views opt out with @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Issue 14 §6: idle timeout and absolute lifetime, then the second factor before anything else.
    "zhifa.core.auth_middleware.SessionLifetimeMiddleware",
    "zhifa.core.auth_middleware.SecondFactorMiddleware",
    # After the login, lifetime and second-factor checks (review finding 4): CSRF's check of a POST parses the
    # form body, so a request that may not run (an anonymous 8 GB upload) is refused before it is read. None of
    # those checks changes state a forged request could exploit; they only redirect or end a session.
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Issue 19 §5: the portal's and the statistics pages' GETs read the replica, unless the browser just wrote.
    "zhifa.core.replica.ReplicaReadsMiddleware",
    "zhifa.core.middleware.ZhifaErrorMiddleware",
    # Must be last: django-axes locks out repeated login failures.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "zhifa.org.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'zhifa.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE avoids lock upgrades mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,  # seconds a writer waits for the one write lock before "database is locked"
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a database file, not memory, so that a second process (crash tests) can open it. The file is named
    # after the test run (the first process of it to read these settings: its id is inherited by the processes it
    # starts), so that two test runs in one checkout never share a file.
    _run = os.environ.setdefault("ZHIFA_TEST_RUN", str(os.getpid()))
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test_zhifa_{_run}.sqlite3")}
# Reads on a streaming replica (issue 19 §5): DATABASE_REPLICA_URL names it; without it every read goes to the primary.
# zhifa.core.db_router sends the portal's and the cockpit's reads there, except for a browser that has just written
# (read-your-writes, ZHIFA_REPLICA_STICKY_SECONDS). Tests read the replica as the primary (TEST MIRROR).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        # An unreachable replica must cost seconds, not the TCP timeout: the request then reads the primary.
        DATABASES["replica"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", int(os.environ.get("ZHIFA_REPLICA_CONNECT_TIMEOUT", "2")))
DATABASE_ROUTERS = ["zhifa.core.db_router.ReplicaRouter"]
ZHIFA_REPLICA_STICKY_SECONDS = int(os.environ.get("ZHIFA_REPLICA_STICKY_SECONDS", "15"))
# The pages whose GET requests read the replica (zhifa.core.replica): the public portal and the statistics pages
# (REC-16 record statistics, PUB-11 annual reports). A view elsewhere opts in with @replica.reads_from_replica.
ZHIFA_REPLICA_READ_PATHS = env_list("ZHIFA_REPLICA_READ_PATHS", "/portal/,/records/statistics/,/publicity/reports/")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The shared cache (issue 19 §1, §5): Redis when ZHIFA_REDIS_URL is set (redis://host:6379/0) — portal pages, search
# counts and, there, the sessions, shared by every app server; each process's own memory otherwise (the embedded
# default: one server, nothing shared to keep consistent).
ZHIFA_REDIS_URL = os.environ.get("ZHIFA_REDIS_URL", "")
if ZHIFA_REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": ZHIFA_REDIS_URL,
                          "KEY_PREFIX": os.environ.get("ZHIFA_CACHE_PREFIX", "zhifa"), "TIMEOUT": 300}}
    # In Redis and in the database behind it: a session evicted from Redis (maxmemory under a flood of portal
    # searches) is read back from the database, never a logout (review of issue 19).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "zhifa",
                          "TIMEOUT": 300}}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login lockout (django-axes, issue 14 §6), two separate criteria: AXES_FAILURE_LIMIT failures for one username
# from any address lock the username; ZHIFA_LOGIN_ADDRESS_FAILURE_LIMIT failures from one address over any
# usernames lock the address (password spraying). Wrong second-factor codes count as failures. A lock lasts
# AXES_COOLOFF_HOURS. The address limit is higher: an office behind one NAT address shares it.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
ZHIFA_LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("ZHIFA_LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "zhifa.core.lockout.LockoutHandler"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Failures are cleared when a login completes (both factors), for that username only (zhifa.core.lockout):
# axes' own reset at the password step would let a known password reset the count of wrong codes, and a
# login from an address would wipe that address's failures over other usernames.
AXES_RESET_ON_SUCCESS = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_CLIENT_IP_CALLABLE = "zhifa.core.net.axes_client_ip"

# The client's address (zhifa.core.net.client_ip): behind a reverse proxy, read from this header only when
# the request comes from one of the trusted proxies (addresses or networks, comma-separated).
ZHIFA_PROXY_CLIENT_HEADER = os.environ.get("ZHIFA_PROXY_CLIENT_HEADER", "")
ZHIFA_TRUSTED_PROXIES = env_list("ZHIFA_TRUSTED_PROXIES")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "media/"

# Files go through Django storage: the filesystem by default, any S3-compatible store when
# ZHIFA_S3_BUCKET is set (credentials from the usual AWS_* variables or the instance role).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if os.environ.get("ZHIFA_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["ZHIFA_S3_BUCKET"],
            "endpoint_url": os.environ.get("ZHIFA_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("ZHIFA_S3_REGION") or None,
            "location": os.environ.get("ZHIFA_S3_PREFIX", ""),
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
        },
    }
# Without `collectstatic` (development, tests), WhiteNoise serves straight from the app folders.
WHITENOISE_USE_FINDERS = DEBUG or not STATIC_ROOT.is_dir()
if not STATIC_ROOT.is_dir():
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

TASKS = {
    "default": {
        "BACKEND": os.environ.get("ZHIFA_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Notifications by e-mail (issue 18 §1; zhifa.worklist): sent only where mail is configured, by an SMTP host
# (ZHIFA_EMAIL_HOST, with ZHIFA_EMAIL_PORT / _USER / _PASSWORD / _USE_TLS) or a Django e-mail backend named in
# ZHIFA_EMAIL_BACKEND. Without either, notifications stay in the application (the bell in the menu).
ZHIFA_EMAIL_HOST = os.environ.get("ZHIFA_EMAIL_HOST", "")
if ZHIFA_EMAIL_HOST:
    EMAIL_HOST = ZHIFA_EMAIL_HOST
    EMAIL_PORT = int(os.environ.get("ZHIFA_EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("ZHIFA_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("ZHIFA_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("ZHIFA_EMAIL_USE_TLS", "") == "1"
if os.environ.get("ZHIFA_EMAIL_BACKEND"):
    EMAIL_BACKEND = os.environ["ZHIFA_EMAIL_BACKEND"]
DEFAULT_FROM_EMAIL = os.environ.get("ZHIFA_EMAIL_FROM", "zhifa@localhost")
ZHIFA_NOTIFY_EMAIL = bool(ZHIFA_EMAIL_HOST or os.environ.get("ZHIFA_EMAIL_BACKEND"))
# The address the e-mails link to (e.g. https://zhifa.example.gov.cn); without it they name the page's path.
ZHIFA_SITE_URL = os.environ.get("ZHIFA_SITE_URL", "").rstrip("/")

# The tamper-evident log (zhifa.ledger). The signing key is per deployment: a C2SP private key string
# (`PRIVATE+KEY+…`, from `manage.py ledger_keygen`) in ZHIFA_LEDGER_KEY or in the file ZHIFA_LEDGER_KEY_FILE.
# Without either, a development key is generated once into the data folder.
ZHIFA_LEDGER_ORIGIN = os.environ.get("ZHIFA_LEDGER_ORIGIN", "zhifa.localhost/ledger")
ZHIFA_LEDGER_KEY = os.environ.get("ZHIFA_LEDGER_KEY", "")
ZHIFA_LEDGER_KEY_FILE = os.environ.get("ZHIFA_LEDGER_KEY_FILE", str(DATA_DIR / "ledger-signing.key"))
# Who signs checkpoints (zhifa/ledger/signers.py, docs/ledger.md "Roles by duty"): "file" (the key above: make demo and
# development only), "command" (an external signer process holding the key in another account or on another host:
# ZHIFA_LEDGER_SIGNER_COMMAND gets the checkpoint body on stdin and prints one signature line, checked against
# ZHIFA_LEDGER_VERIFIER_KEY), or a dotted path to a backend class (PKCS#11, KMS).
ZHIFA_LEDGER_SIGNER = os.environ.get("ZHIFA_LEDGER_SIGNER", "file")
ZHIFA_LEDGER_SIGNER_COMMAND = os.environ.get("ZHIFA_LEDGER_SIGNER_COMMAND", "")
ZHIFA_LEDGER_VERIFIER_KEY = os.environ.get("ZHIFA_LEDGER_VERIFIER_KEY", "")
# Earlier verifier keys (one per line or comma-separated) whose checkpoints are still served after a rotation.
ZHIFA_LEDGER_PAST_VERIFIER_KEYS = os.environ.get("ZHIFA_LEDGER_PAST_VERIFIER_KEYS", "")
# During a key rotation: the outgoing private key (or its file), so the new key's first checkpoint is signed by both
# and a client that trusts the old key can follow the rotation (zhifa.verify verify_rotation).
ZHIFA_LEDGER_PREVIOUS_KEY = os.environ.get("ZHIFA_LEDGER_PREVIOUS_KEY", "")
ZHIFA_LEDGER_PREVIOUS_KEY_FILE = os.environ.get("ZHIFA_LEDGER_PREVIOUS_KEY_FILE", "")
# Agencies' electronic seal keys and certificates (cases.signing): a secret volume in production.
ZHIFA_SIGNING_DIR = os.environ.get("ZHIFA_SIGNING_DIR", str(DATA_DIR / "signing"))
ZHIFA_LEDGER_BATCH = int(os.environ.get("ZHIFA_LEDGER_BATCH", "5000"))
# A committed entry still unsequenced after this many seconds is an audit problem (ledger.audit).
ZHIFA_LEDGER_AUDIT_GRACE_SECONDS = int(os.environ.get("ZHIFA_LEDGER_AUDIT_GRACE_SECONDS", "600"))
# Witnesses (C2SP tlog-witness, docs/ledger.md): this instance as a witness — its key, and the logs it witnesses
# (JSON [{"origin", "keys": [...]}]) — and the witnesses this log asks to cosign (JSON [{"url", "key"}]).
ZHIFA_WITNESS_KEY = os.environ.get("ZHIFA_WITNESS_KEY", "")
ZHIFA_WITNESS_KEY_FILE = os.environ.get("ZHIFA_WITNESS_KEY_FILE", "")
ZHIFA_WITNESS_LOGS = os.environ.get("ZHIFA_WITNESS_LOGS", "")
ZHIFA_LEDGER_WITNESSES = os.environ.get("ZHIFA_LEDGER_WITNESSES", "")
ZHIFA_WITNESS_RATE = os.environ.get("ZHIFA_WITNESS_RATE", "120/m")
# Evidence digests: SHA-256 always; SM3 too where commercial cryptography is required.
ZHIFA_EVIDENCE_SM3 = env_bool("ZHIFA_EVIDENCE_SM3", False)
# The key of the keyed hashes that stand for personal identifiers in log payloads (ledger.identifier_commitment).
# Keep it for the life of the log; without it, SECRET_KEY is used (rotating that then changes future values).
ZHIFA_IDENTIFIER_KEY = os.environ.get("ZHIFA_IDENTIFIER_KEY", "")
ZHIFA_EVIDENCE_PREFIX = os.environ.get("ZHIFA_EVIDENCE_PREFIX", "evidence")
# On S3 with Object Lock: every stored file is locked (COMPLIANCE) for at least this many years.
ZHIFA_EVIDENCE_LOCK_YEARS = int(os.environ.get("ZHIFA_EVIDENCE_LOCK_YEARS", "30"))

# Resumable uploads (zhifa.records.tus). Unfinished bytes are staged on this server's local disk. A PATCH makes
# what it has received durable (fsync, then the offset in the database) every SYNC_BYTES or SYNC_SECONDS,
# whichever comes first, so a crash loses at most that much. Unfinished uploads expire EXPIRY_HOURS after their
# last byte; each user may hold MAX_OPEN of them, declaring at most MAX_OPEN_BYTES in all.
ZHIFA_TUS_DIR = Path(os.environ.get("ZHIFA_TUS_DIR", DATA_DIR / "tus"))
ZHIFA_TUS_MAX_SIZE = int(os.environ.get("ZHIFA_TUS_MAX_SIZE", str(8 * 1024**3)))
# 4 MiB / 1 s: on loopback a 512 MiB upload ran at 41 MB/s (1 MiB: 32 MB/s; only the 1 s bound: 64 MB/s).
ZHIFA_TUS_SYNC_BYTES = int(os.environ.get("ZHIFA_TUS_SYNC_BYTES", str(64 * 1024**2)))
ZHIFA_TUS_SYNC_SECONDS = float(os.environ.get("ZHIFA_TUS_SYNC_SECONDS", "1"))
ZHIFA_TUS_READ_TIMEOUT = float(os.environ.get("ZHIFA_TUS_READ_TIMEOUT", "30"))
ZHIFA_TUS_EXPIRY_HOURS = float(os.environ.get("ZHIFA_TUS_EXPIRY_HOURS", "24"))
ZHIFA_TUS_MAX_OPEN = int(os.environ.get("ZHIFA_TUS_MAX_OPEN", "20"))
ZHIFA_TUS_MAX_OPEN_BYTES = int(os.environ.get("ZHIFA_TUS_MAX_OPEN_BYTES", str(64 * 1024**3)))
# REC-15: one stated reason opens a case to someone outside it (a supervisor, a reviewer) for this long.
ZHIFA_CONSULTATION_MINUTES = int(os.environ.get("ZHIFA_CONSULTATION_MINUTES", "30"))

# Anonymous submissions on the portal (publicity requests, issue 14 §2). Attachments: how many, how large each
# and together (set in MB); their type is read from the bytes. Submissions per client address (a keyed hash,
# zhifa.core.net.client_ip) and in all, per window. Attachments wait in quarantine (this storage prefix) until
# staff accept or reject each file; undecided files of closed requests are deleted after the retention days.
ZHIFA_PUBLIC_ATTACHMENTS_MAX = int(os.environ.get("ZHIFA_PUBLIC_ATTACHMENTS_MAX", "5"))
ZHIFA_PUBLIC_ATTACHMENT_MAX_BYTES = int(float(os.environ.get("ZHIFA_PUBLIC_ATTACHMENT_MAX_MB", "10")) * 1024 * 1024)
ZHIFA_PUBLIC_ATTACHMENTS_TOTAL_BYTES = int(float(os.environ.get("ZHIFA_PUBLIC_ATTACHMENTS_TOTAL_MB", "20")) * 1024 * 1024)
ZHIFA_PUBLIC_RATE_PER_ADDRESS = int(os.environ.get("ZHIFA_PUBLIC_RATE_PER_ADDRESS", "5"))
ZHIFA_PUBLIC_RATE_GLOBAL = int(os.environ.get("ZHIFA_PUBLIC_RATE_GLOBAL", "200"))
ZHIFA_PUBLIC_RATE_WINDOW_MINUTES = int(os.environ.get("ZHIFA_PUBLIC_RATE_WINDOW_MINUTES", "60"))
# Wrong reference/query-code pairs on the request status page per client address and window; then 429.
ZHIFA_PUBLIC_LOOKUP_FAILURES = int(os.environ.get("ZHIFA_PUBLIC_LOOKUP_FAILURES", "10"))
ZHIFA_QUARANTINE_PREFIX = os.environ.get("ZHIFA_QUARANTINE_PREFIX", "quarantine")
ZHIFA_QUARANTINE_RETENTION_DAYS = int(os.environ.get("ZHIFA_QUARANTINE_RETENTION_DAYS", "90"))
# Issue 14 §2 (review finding 6): undecided files of requests nobody handles are purged too, and each receiving
# agency's quarantine is capped, so a flood of anonymous files cannot fill the disk.
ZHIFA_QUARANTINE_UNHANDLED_DAYS = int(os.environ.get("ZHIFA_QUARANTINE_UNHANDLED_DAYS", "30"))
ZHIFA_QUARANTINE_AGENCY_MAX_BYTES = int(float(os.environ.get("ZHIFA_QUARANTINE_AGENCY_MAX_MB", "1024")) * 1024 * 1024)

# Sessions (issue 14 §6): logged out after ZHIFA_SESSION_IDLE_MINUTES without a request, and at the latest
# ZHIFA_SESSION_MAX_HOURS after login, however active (zhifa.core.auth_middleware.SessionLifetimeMiddleware).
ZHIFA_SESSION_IDLE_MINUTES = int(os.environ.get("ZHIFA_SESSION_IDLE_MINUTES", "30"))
ZHIFA_SESSION_MAX_HOURS = float(os.environ.get("ZHIFA_SESSION_MAX_HOURS", "12"))
SESSION_COOKIE_AGE = int(ZHIFA_SESSION_MAX_HOURS * 3600)

# Second factor (issue 14 §6): TOTP (RFC 6238) for the roles in core.permissions.SECOND_FACTOR_ROLES and
# administrators. ZHIFA_OTP_REQUIRED=0 makes it optional for everyone (never /admin/, which always needs it).
ZHIFA_OTP_REQUIRED = env_bool("ZHIFA_OTP_REQUIRED", True)
OTP_TOTP_ISSUER = os.environ.get("ZHIFA_OTP_ISSUER", "zhifa 执法")
OTP_TOTP_THROTTLE_FACTOR = 1  # after n wrong codes a device refuses any code for 2^(n-1) s
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # never show device keys in the admin

# API tokens (issue 14 §7) expire this many days after they are issued.
ZHIFA_API_TOKEN_DAYS = int(os.environ.get("ZHIFA_API_TOKEN_DAYS", "90"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# HTTPS (issue 14 §7). The defaults suit the demo on http://127.0.0.1; README "Production" lists the values
# behind nginx + TLS, with which `manage.py check --deploy` is clean (tests/test_deploy_check.py).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# The scheme the proxy saw, from its X-Forwarded-Proto; zhifa.core.proxy drops that header from any peer that
# is not in ZHIFA_TRUSTED_PROXIES, so a client cannot claim HTTPS by sending it itself.
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = os.environ.get("SECURE_REFERRER_POLICY", "same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = os.environ.get("SECURE_CROSS_ORIGIN_OPENER_POLICY", "same-origin")

# Content-Security-Policy on every response (django-csp 4). Nothing inline: scripts and styles are static
# files; htmx runs without eval and injects no style (<meta name="htmx-config"> in base.html). File responses
# (evidence playback) and /api/docs set their own policy, which the middleware leaves in place.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF],
        "style-src": [csp_constants.SELF],
        "img-src": [csp_constants.SELF, "data:"],
        "media-src": [csp_constants.SELF],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.NONE],
        "frame-ancestors": [csp_constants.NONE],
        "form-action": [csp_constants.SELF],
    },
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

# One error shape for every failure (issue 13 §5): a failed CSRF check answers {code, message} under /api/
# and a Chinese page elsewhere; so do 400/403/404/500 (handlers in config/urls.py).
CSRF_FAILURE_VIEW = "zhifa.core.error_views.csrf_failure"
# A request body (JSON, form fields; uploaded files are streamed to disk and not counted) larger than
# this is refused with 413 too_large before it is parsed. A pushed case with all its documents fits.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Django's own console handler (on under DEBUG) would print every 4xx/5xx line a second time: its records
        # reach the root handler above.
        "django": {"handlers": [], "propagate": True},
        # PDF libraries announce every rendering step, subset font and signature at INFO or DEBUG
        # ("Step 1 - Fetching and parsing HTML", "Processing <BytesIO> => ..."): noise in demo_load, the
        # worker and the test run. Their warnings and errors (an unreadable font or image) still show.
        **{name: {"level": "WARNING"} for name in (
            "weasyprint", "fontTools", "pyhanko", "pyhanko_certvalidator", "pydyf", "PIL", "docx")},
    },
}
