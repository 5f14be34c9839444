"""Townhall settings, read from the environment through small typed helpers that fail loudly.

Every variable is listed in `.env.example`. With `DEBUG` off (production), `SECRET_KEY` and
`FIELD_ENCRYPTION_KEY` must be set; a malformed value stops the process with the variable's name.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("TOWNHALL_VAR_DIR", PROJECT_DIR / "var"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no, not {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def envsecret(name: str, dev_default: str) -> str:
    """A secret: required in production, a fixed development value otherwise."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if DEBUG or TESTING:
        return dev_default
    raise ImproperlyConfigured(f"{name} must be set when DEBUG is off (see .env.example)")


def envdatabase(name: str, default: str) -> dict:
    raw = os.environ.get(name) or default
    try:
        config = dj_database_url.parse(raw, conn_max_age=envint("DB_CONN_MAX_AGE", 60))
    except Exception as exc:  # dj-database-url raises several types for a bad URL
        raise ImproperlyConfigured(f"{name} is malformed ({raw!r}): {exc}") from None
    engine = config.get("ENGINE", "")
    if engine not in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
        raise ImproperlyConfigured(f"{name} must be a sqlite:// or postgres:// URL, not {raw!r}")
    if engine == "django.db.backends.sqlite3":
        if not config.get("NAME"):
            raise ImproperlyConfigured(f"{name} names no SQLite file ({raw!r})")
        # IMMEDIATE transactions: DEFERRED ones gave "database is locked" under load. WAL is set
        # once, after migrations (townhall.core.apps), never per connection.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA synchronous=NORMAL;",
        }
        config["CONN_MAX_AGE"] = 0 if TESTING else config["CONN_MAX_AGE"]
    else:
        # Parameters bound by the server, and a statement a connection has run twice prepared:
        # PostgreSQL then stops planning it on every request (docs/decisions/0011). Off for a
        # pooler that cannot keep prepared statements (PgBouncer before 1.21 in transaction mode).
        # The URL's own options (e.g. ?sslmode=require) are kept.
        config.setdefault("OPTIONS", {})
        if envbool("DB_PREPARED_STATEMENTS", True):
            config["OPTIONS"].update(server_side_binding=True, prepare_threshold=2)
        # A reused connection is checked at the start of each request, by looking at its
        # socket rather than with a round trip (townhall/core/postgresql, ADR 0019).
        config["ENGINE"] = "townhall.core.postgresql"
        config["CONN_HEALTH_CHECKS"] = True
    if engine == "django.db.backends.postgresql":
        # One test database per test run, so that concurrent runs on one server do not drop
        # each other's database.
        config["TEST"] = {"NAME": f"test_{config['NAME']}_{os.getpid()}"}
    else:
        config["TEST"] = {"NAME": None}
    return config


TESTING = envbool("TOWNHALL_TESTING", False) or "PYTEST_VERSION" in os.environ
DEBUG = envbool("DEBUG", True)

SECRET_KEY = envsecret("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production-0123456789")
# Fernet keys, comma-separated, newest first: the first encrypts, all decrypt (key rotation).
FIELD_ENCRYPTION_KEYS = envlist(
    "FIELD_ENCRYPTION_KEY",
    [] if not (DEBUG or TESTING) else ["f1ZSPX6mSRo0qRTs4Bu8UQdFrp7Y0b6dO1R8xkR0uMU="],
)
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set when DEBUG is off")


def _check_fernet_keys(keys: list[str]) -> None:
    from cryptography.fernet import Fernet

    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEY: key number {position} is not a Fernet key (32 bytes, "
                "url-safe base64); generate one with "
                '`python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"`'
            ) from None


_check_fernet_keys(FIELD_ENCRYPTION_KEYS)

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

DATABASES = {"default": envdatabase("DATABASE_URL", f"sqlite:///{VAR_DIR / 'townhall.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's cache holds nothing that must be shared (rate limits and spent challenges are rows,
# townhall/portal/ratelimit.py): a file cache on one machine, or Redis (CACHE_URL=redis://…).
# Tests use a private memory cache.
_CACHE_URL = os.environ.get("CACHE_URL", "")
if TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif _CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _CACHE_URL,
        }
    }
elif _CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL or empty, not {_CACHE_URL!r}")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
# Seconds each process keeps the topics, unit codes and deadline rules it read (0 = read them on
# every use); an edit made in another process is seen at most this much later (core/reference.py).
REFERENCE_CACHE_SECONDS = envint("REFERENCE_CACHE_SECONDS", 60)
# Requests a minute per client address to the API's public statistics (no token); 429 after.
API_PUBLIC_RATE_LIMIT = envint("API_PUBLIC_RATE_LIMIT", 60)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",
    "csp",
    "townhall.core",
    "townhall.units",
    "townhall.accounts",
    "townhall.petitions",
    "townhall.notifications",
    "townhall.dialogues",
    "townhall.reception",
    "townhall.reports",
    "townhall.portal",
    "townhall.open311",
    "townhall.web",
    "townhall.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "townhall.core.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "townhall.accounts.middleware.TwoFactorMiddleware",  # TOTP for leaders and administrators
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "townhall.urls"
WSGI_APPLICATION = "townhall.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"]  # tests only: fast
    if TESTING
    else ["django.contrib.auth.hashers.Argon2PasswordHasher"]
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: lock a username from one address after repeated failures, with a cool-off, so
# citizens behind one NAT do not lock each other out.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Login form POSTs from one address per minute (429 with Retry-After beyond), and wrong TOTP codes
# per user per 15 minutes.
LOGIN_RATE_LIMIT = envint("LOGIN_RATE_LIMIT", 20)
OTP_FAILURE_LIMIT = envint("OTP_FAILURE_LIMIT", 5)

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp): scripts and styles only from our own static files, no
# inline script, no inline style, no eval (docs/security.md). Templates must not use <script>
# without src, on*= handlers, style= attributes or javascript: URLs
# (tests/web/test_security_headers.py checks every page it can reach).
_SELF, _NONE = "'self'", "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "img-src": [_SELF, "data:"],
        "object-src": [_NONE],
        "base-uri": [_SELF],
        "form-action": [_SELF],
        "frame-ancestors": [_NONE],
    },
}
if envbool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "townhall@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
# SMS: a dotted path to a class with send(phone, body); the console backend prints.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "townhall.notifications.backends.ConsoleSMSBackend")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# A case open this many days past its deadline is flagged as prolonged.
TOWNHALL_PROLONGED_MARGIN_DAYS = envint("TOWNHALL_PROLONGED_MARGIN_DAYS", 30)

# models.W040: SQLite has no INCLUDE; the covering worklist index (petitions.Case,
# `case_live_idx`) is a plain partial index there, as intended. Nothing else is silenced.
_ON_SQLITE = DATABASES["default"]["ENGINE"].endswith("sqlite3")
SILENCED_SYSTEM_CHECKS = ["models.W040"] if _ON_SQLITE else []
