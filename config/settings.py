"""Settings for zhifa, read from the environment (twelve-factor).

Every setting an operator may change is an environment variable documented in README.md.
"""

import os
import warnings
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("ZHIFA_DATA_DIR", BASE_DIR / "data"))
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
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "template_partials",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "zhifa.core",
    "zhifa.ledger",
    "zhifa.org",
    "zhifa.rules",
    "zhifa.cases",
    "zhifa.records",
    "zhifa.review",
    "zhifa.publicity",
    "zhifa.portal",
    "zhifa.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # STYLE habit 4: login is required by default; public views opt out with @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
    # Tests use a database file, not memory, so that a second process (crash tests) can open it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test_zhifa.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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

# Login lockout (django-axes): five failures for one username from one address lock it for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

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

# The tamper-evident log (zhifa.ledger). The signing key is per deployment: a C2SP private key string
# (`PRIVATE+KEY+…`, from `manage.py ledger_keygen`) in ZHIFA_LEDGER_KEY or in the file ZHIFA_LEDGER_KEY_FILE.
# Without either, a development key is generated once into the data folder.
ZHIFA_LEDGER_ORIGIN = os.environ.get("ZHIFA_LEDGER_ORIGIN", "zhifa.localhost/ledger")
ZHIFA_LEDGER_KEY = os.environ.get("ZHIFA_LEDGER_KEY", "")
ZHIFA_LEDGER_KEY_FILE = os.environ.get("ZHIFA_LEDGER_KEY_FILE", str(DATA_DIR / "ledger-signing.key"))
# Agencies' electronic seal keys and certificates (cases.signing): a secret volume in production.
ZHIFA_SIGNING_DIR = os.environ.get("ZHIFA_SIGNING_DIR", str(DATA_DIR / "signing"))
ZHIFA_LEDGER_BATCH = int(os.environ.get("ZHIFA_LEDGER_BATCH", "5000"))
# Evidence digests: SHA-256 always; SM3 too where commercial cryptography is required.
ZHIFA_EVIDENCE_SM3 = env_bool("ZHIFA_EVIDENCE_SM3", False)
ZHIFA_EVIDENCE_PREFIX = os.environ.get("ZHIFA_EVIDENCE_PREFIX", "evidence")
# On S3 with Object Lock: every stored file is locked (COMPLIANCE) for at least this many years.
ZHIFA_EVIDENCE_LOCK_YEARS = int(os.environ.get("ZHIFA_EVIDENCE_LOCK_YEARS", "30"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

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
    "loggers": {"axes": {"level": "WARNING"}},
}
