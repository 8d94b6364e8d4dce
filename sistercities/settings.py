"""The portal's one settings module, read from the environment.

Every variable is listed in `.env.example`. With none set the portal runs on its embedded
defaults: SQLite under `var/`, Celery tasks in-process, outgoing mail written to `var/mail/`.
With `DEBUG` off it refuses to start without `SECRET_KEY` and turns on the production
protections that `manage.py check --deploy` looks for.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _smtp_mailer(
    *,
    host: str,
    port: int | None,
    username: str,
    password: str,
    use_tls: bool,
    use_ssl: bool,
    timeout: int,
) -> dict[str, object]:
    if use_tls and use_ssl:
        raise ImproperlyConfigured(
            "Outgoing mail can use STARTTLS (tls) or SSL (smtps / ssl), not both."
        )
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": host,
            "port": port or (465 if use_ssl else 587 if use_tls else 25),
            "username": username,
            "password": password,
            "use_tls": use_tls,
            "use_ssl": use_ssl,
            "timeout": timeout,
        },
    }


def mailer_from_url(url: str) -> dict[str, object]:
    """Turn an EMAIL_URL into a MAILERS entry.

    `smtp://user:password@host:587/?tls=1` (STARTTLS), `smtps://user:password@host` (SSL, port
    465), `smtp://host?ssl=1&timeout=10`, `file:///absolute/folder` or `console:`. Quote
    special characters of the user name and password (`@` as `%40`).
    """
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}

    def flag(name: str) -> bool:
        value = query.get(name, "0").lower()
        if value in {"1", "true", "yes", "on"}:
            return True
        if value in {"0", "false", "no", "off"}:
            return False
        raise ImproperlyConfigured(f"EMAIL_URL option {name}= must be 1 or 0, not {value!r}.")

    if parts.scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "file":
        if parts.netloc or not parts.path.startswith("/"):
            raise ImproperlyConfigured(
                "EMAIL_URL file: needs an absolute folder, written file:///path/to/folder."
            )
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": unquote(parts.path)},
        }
    if parts.scheme in {"smtp", "smtps"}:
        try:
            port = parts.port
        except ValueError as exc:
            raise ImproperlyConfigured(f"EMAIL_URL has an invalid port: {exc}.") from exc
        timeout = query.get("timeout", "20")
        if not timeout.isdigit():
            raise ImproperlyConfigured(
                f"EMAIL_URL option timeout= must be whole seconds, not {timeout!r}."
            )
        return _smtp_mailer(
            host=parts.hostname or "localhost",
            port=port,
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            use_tls=flag("tls"),
            use_ssl=parts.scheme == "smtps" or flag("ssl"),
            timeout=int(timeout),
        )
    raise ImproperlyConfigured(
        f"EMAIL_URL scheme {parts.scheme!r} is not one of smtp, smtps, file, console "
        "(for example smtp://user:password@mail.example.org:587/?tls=1)."
    )


def mailer_from_env(*, debug: bool, var_dir: Path) -> dict[str, object]:
    """The default mailer: EMAIL_URL, else the usual EMAIL_HOST, EMAIL_PORT... variables.

    With neither, development writes every message as a file under `var/mail/` and production
    hands mail to an SMTP server on localhost:25. The EMAIL_* values are read here, not kept as
    settings, because Django 6.1 refuses its old EMAIL_HOST-style settings next to MAILERS.
    """
    url = env_str("EMAIL_URL")
    host = env_str("EMAIL_HOST")
    if url and host:
        raise ImproperlyConfigured("Set EMAIL_URL or EMAIL_HOST, not both.")
    if url:
        return mailer_from_url(url)
    if host:
        return _smtp_mailer(
            host=host,
            port=env_int("EMAIL_PORT", 0) or None,
            username=env_str("EMAIL_HOST_USER"),
            password=env_str("EMAIL_HOST_PASSWORD"),
            use_tls=env_bool("EMAIL_USE_TLS", default=False),
            use_ssl=env_bool("EMAIL_USE_SSL", default=False),
            timeout=env_int("EMAIL_TIMEOUT", 20),
        )
    if debug:
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(var_dir / "mail")},
        }
    return _smtp_mailer(
        host="localhost",
        port=25,
        username="",
        password="",
        use_tls=False,
        use_ssl=False,
        timeout=20,
    )


DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production (DEBUG off) refuses to start without one: "
            'generate one with `python -c "import secrets; print(secrets.token_urlsafe(50))"`.'
        )
    # The prefix makes `check --deploy` flag this key should it ever reach production.
    SECRET_KEY = "django-insecure-development-only-0123456789abcdefghijklmnopqrstuv"  # noqa: S105
# Old keys still accepted for sessions and signed links while a new SECRET_KEY rolls out.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. Production (DEBUG off) refuses to start without the host "
        "names it serves, comma-separated: ALLOWED_HOSTS=portal.example.org"
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "django_countries",
    "simple_history",
    "membership",
    "directory",
    "seeking",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "sistercities.urls"
WSGI_APPLICATION = "sistercities.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'portal.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default works from a fresh clone, `manage.py` alone included.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # SQLite ignores select_for_update: a transaction that takes the write lock when it starts,
    # and waits up to 20 s for it, keeps two simultaneous writes (a double submit) in order
    # instead of failing one with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"

# django-allauth: log in by email, which must be verified before the account is used.
ACCOUNT_ADAPTER = "membership.adapters.AccountAdapter"
ACCOUNT_USER_DISPLAY = "membership.adapters.user_display"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Sister Cities] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# WhiteNoise's default follows DEBUG as the test runner switches it off; fixing it here keeps
# tests from looking for a collected STATIC_ROOT that only production has.
WHITENOISE_AUTOREFRESH = DEBUG
# Uploaded files are private: they live outside STATIC_ROOT, no URL serves MEDIA_ROOT, and
# they reach users only through permission-checked views.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "private")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

COUNTRIES_FIRST: list[str] = []
# GeoNames, and so the reference data, code Kosovo XK, a code ISO 3166 leaves unassigned.
COUNTRIES_OVERRIDE = {"XK": _("Kosovo")}

# Mail: EMAIL_URL (or EMAIL_HOST...) names the outgoing server; see mailer_from_env.
MAILERS = {"default": mailer_from_env(debug=DEBUG, var_dir=VAR_DIR)}
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "Sister Cities Global Membership <membership@localhost>"
)
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# The portal's address as users reach it, for links in e-mail sent outside a request (staff
# decisions in the admin, Celery tasks). Default: the first ALLOWED_HOSTS name over HTTPS in
# production, http://127.0.0.1:$PORT in development.
PORTAL_URL = env_str("PORTAL_URL").rstrip("/") or (
    f"http://127.0.0.1:{env_int('PORT', 8000)}"
    if DEBUG
    else f"https://{ALLOWED_HOSTS[0].lstrip('.')}"
)
# Who hears of new applications and join requests: these addresses, comma-separated; default,
# the active staff who may approve applications.
MEMBERSHIP_TEAM_EMAILS = env_list("MEMBERSHIP_TEAM_EMAILS", [])

# Celery: REDIS_URL is the broker; without it tasks run in-process, at once.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_IMPORTS = ["sistercities.mail"]
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "lapse-expired-memberships": {
        "task": "membership.tasks.lapse_expired_memberships",
        "schedule": 60 * 60 * 6,
    },
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Content Security Policy: everything the pages use is served by the portal itself.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}
