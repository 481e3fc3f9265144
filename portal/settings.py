"""Settings for the Device Registry Portal: one module, driven by environment variables.

Development defaults just run (`make run`); production (DJANGO_ENV=production) refuses to
start without its secrets.
"""

import datetime
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name, default=""):
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


PRODUCTION = env_str("DJANGO_ENV", "development") == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    SECRET_KEY = "django-insecure-development-only-key-never-used-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# HTTPS-only protections: on in a real deployment, off for `make serve` on plain loopback
# HTTP (SECURE_HTTPS=false). HSTS preload stays off on purpose (see README, W021).
SECURE_HTTPS = env_bool("SECURE_HTTPS", PRODUCTION)
SECURE_SSL_REDIRECT = SECURE_HTTPS
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000) if SECURE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Content Security Policy (Django's own): our pages have no inline script or style at all;
# the admin's few inline elements carry the per-request nonce. No third-party origins.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    # 'wasm-unsafe-eval': the in-page barcode scanner compiles ZXing's WebAssembly (our own
    # static file); it allows WebAssembly only, not eval() of JavaScript.
    "script-src": [CSP.SELF, CSP.NONCE, "'wasm-unsafe-eval'"],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],  # Bootstrap draws form icons as data: SVG
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# Oversized request bodies are refused (400) before any view runs.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 256 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

INSTALLED_APPS = [
    "support.apps.SupportCentreAdminConfig",
    "portal.apps.PortalConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "devices",
    "claims",
    "helpdesk",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "support.apps.SupportConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "portal.middleware.RequestLogMiddleware",
    "portal.middleware.NoStoreMiddleware",
    "portal.middleware.DatabaseUnavailableMiddleware",
    "portal.replica.StickyPrimaryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.middleware.AccountLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.TermsAcceptanceMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last: it runs the view (once more after a conflict with a concurrent change).
    "portal.middleware.ConflictRetryMiddleware",
]

if PRODUCTION:
    # Static files with hashed names, compressed, straight from the app server.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

OPERATOR_TEMPLATES_DIR = env_str("OPERATOR_TEMPLATES_DIR", "")
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The operator's own texts (terms, privacy notice) come first when configured.
        "DIRS": [
            *([Path(OPERATOR_TEMPLATES_DIR)] if OPERATOR_TEMPLATES_DIR else []),
            BASE_DIR / "templates",
        ],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "claims.context_processors.counter",
                "portal.context_processors.support_contact",
            ],
        },
    },
]

# Database: DATABASE_URL when set, otherwise the embedded PostgreSQL under var/
# (started by `make` targets and the test session, see portal/embedded_db.py). Never SQLite.
# The site connects as a role that owns no table; `migrate` connects as the owner
# (DATABASE_OWNER: what changes in DATABASES["default"]) and grants DATABASE_APP_ROLE its
# rights (portal/database_roles.py).
DATABASE_URL = env_str("DATABASE_URL")
DATABASE_OWNER_URL = env_str("DATABASE_OWNER_URL")
if DATABASE_OWNER_URL and not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_OWNER_URL needs DATABASE_URL (the application role)")


def database_from_url(url):
    """dj-database-url's settings for ``url``, with a host and port given libpq's way,
    ``…/name?host=/socket/dir&port=5432`` (as `embedded_db url` and `make restore` print them),
    moved to HOST and PORT, where the owner's and the replica's settings are taken from."""
    import dj_database_url

    config = dj_database_url.parse(url)
    options = config.setdefault("OPTIONS", {})
    for key in ("host", "port"):
        if key in options and not config[key.upper()]:
            config[key.upper()] = str(options.pop(key))
    return config


if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
    DATABASE_OWNER, DATABASE_APP_ROLE = {}, ""
    if DATABASE_OWNER_URL:
        owner = database_from_url(DATABASE_OWNER_URL)
        if owner["NAME"] != DATABASES["default"]["NAME"]:
            raise ImproperlyConfigured("DATABASE_OWNER_URL must name the DATABASE_URL database")
        DATABASE_OWNER = {key: owner[key] for key in ("USER", "PASSWORD", "HOST", "PORT")}
        if owner["USER"] != DATABASES["default"]["USER"]:
            DATABASE_APP_ROLE = DATABASES["default"]["USER"]
else:
    from portal import embedded_db

    DATABASES = {
        "default": {"ENGINE": "django.db.backends.postgresql", **embedded_db.connection_settings()}
    }
    DATABASE_OWNER = {"USER": embedded_db.OWNER_ROLE, "PASSWORD": ""}
    DATABASE_APP_ROLE = embedded_db.APP_ROLE
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
)
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
# How long an ownership change waits for another one's row lock (per transaction, SET LOCAL).
DATABASE_LOCK_TIMEOUT_MS = env_int("DATABASE_LOCK_TIMEOUT_MS", 3000)
# And how long any one statement of an ownership change may run.
DATABASE_STATEMENT_TIMEOUT_MS = env_int("DATABASE_STATEMENT_TIMEOUT_MS", 10000)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# No server-side cursors: outside a transaction Django's would be WITH HOLD cursors living on one
# server connection, which a transaction-pooling PgBouncer hands to someone else between FETCHes
# ("cursor does not exist"; a ModelChoiceField renders its choices through one). Long reads go
# a batch at a time instead (portal/batches.py).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# A streaming replica for the reads of pages that opt in (portal/replica.py).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
# Over TCP, a replica that stops answering with connections open (a frozen machine, a cut
# network) is given up within seconds (tcp_user_timeout, keepalives), not after gunicorn's
# worker timeout; reads then go to the primary.
REPLICA_CONNECTION_OPTIONS = {
    "connect_timeout": 2,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 2,
    "tcp_user_timeout": 5000,
}
if DATABASE_REPLICA_URL:
    replica_config = database_from_url(DATABASE_REPLICA_URL)
    DATABASES["replica"] = {
        **replica_config,
        "OPTIONS": {**replica_config["OPTIONS"], **REPLICA_CONNECTION_OPTIONS},
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "DISABLE_SERVER_SIDE_CURSORS": True,
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["portal.replica.ReplicaRouter"]
# Past this lag (or unreachable, checked at most every REPLICA_CHECK_SECONDS), reads use the
# primary; a person's reads stay on the primary this long after they changed something.
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 10)
REPLICA_CHECK_SECONDS = env_int("REPLICA_CHECK_SECONDS", 5)
REPLICA_STICKY_SECONDS = env_int("REPLICA_STICKY_SECONDS", 30)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses sign-ins while locked out
    "django.contrib.auth.backends.ModelBackend",
]

# Sign-in throttling (django-axes, counted in the database so it holds across processes):
# per account and, separately, per client address; released automatically.
AXES_FAILURE_LIMIT = env_int("SIGN_IN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("SIGN_IN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "portal.client_address.client_address"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# A success clears only that account's failures, never the address's failures against others.
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "accounts.throttling.AccountResetHandler"
AXES_USERNAME_CALLABLE = "accounts.throttling.sign_in_username"
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in forms post the e-mail as "username"
AXES_VERBOSE = False

# Two-factor authentication (TOTP) for the support centre.
OTP_TOTP_ISSUER = "Device Registry support centre"
# How customers reach support: shown in every page's footer, on the Help page and in e-mails.
SUPPORT_EMAIL = env_str("SUPPORT_EMAIL", "support@example.com")
SUPPORT_PHONE = env_str("SUPPORT_PHONE", "+420 800 000 000")
# (The default is translated; an operator's own text is shown as given.)
SUPPORT_HOURS = os.environ.get("SUPPORT_HOURS") or _("Mon–Fri 8:00–18:00")
# The version of the terms of use and privacy notice (templates/legal/): a new value asks
# every account to agree again at its next request.
TERMS_VERSION = env_str("TERMS_VERSION", "2026-11")
# Who issues a proof of registration (the operator: the manufacturer or its registry service).
REGISTRY_ISSUER = os.environ.get("REGISTRY_ISSUER") or _("Device Registry Portal")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# `make bench` only: the bare-ceiling page beside the real ones, and a fast password hasher so
# the benchmark measures pages, not PBKDF2. Never set in a deployment.
BENCHMARK_MODE = env_bool("BENCHMARK_MODE", False)
if BENCHMARK_MODE:
    PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]

# Czech first (the first market); English for staff and many customers. The account's
# preferred language wins once signed in (portal.middleware.AccountLanguageMiddleware).
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "cs")
LANGUAGES = [("cs", _("Czech")), ("en", _("English"))]
# Our catalogue, then a few hand-kept corrections of Django admin's own Czech texts.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_admin"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Prague")
USE_I18N = True
USE_TZ = True
# Our own date-time formats (with the time zone) on top of Django's per-language ones.
FORMAT_MODULE_PATH = ["portal.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production: hashed, compressed names served by WhiteNoise (`collectstatic` first).
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: console in development (mails show in `make run`'s terminal), SMTP in production.
EMAIL_BACKEND_PATH = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "portal.mail.ReadableConsoleBackend",
)
MAILERS = {
    "default": {
        "BACKEND": EMAIL_BACKEND_PATH,
        "OPTIONS": {
            "host": env_str("EMAIL_HOST", "localhost"),
            "port": env_int("EMAIL_PORT", 25),
            "username": env_str("EMAIL_HOST_USER"),
            "password": env_str("EMAIL_HOST_PASSWORD"),
            "use_tls": env_bool("EMAIL_USE_TLS", False),
            "timeout": env_int("EMAIL_TIMEOUT", 10),
        }
        if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend")
        else {},
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Device Registry <registry@example.com>")
# "This wasn't me" and "undo this e-mail change" links work this long; the link that confirms
# a new address, EMAIL_CHANGE_LINK_HOURS.
NOT_ME_LINK_DAYS = env_int("NOT_ME_LINK_DAYS", 30)
EMAIL_CHANGE_LINK_HOURS = env_int("EMAIL_CHANGE_LINK_HOURS", 72)
# Sent e-mails are kept this long (bodies with secret links are purged as soon as sent).
OUTBOX_RETENTION_DAYS = env_int("OUTBOX_RETENTION_DAYS", 30)

# Domain settings
WARRANTY_MONTHS = env_int("WARRANTY_MONTHS", 24)
HANDOVER_CODE_HOURS = env_int("HANDOVER_CODE_HOURS", 48)
TRANSFER_REQUEST_DAYS = env_int("TRANSFER_REQUEST_DAYS", 14)
# Support releases and reassignments wait this long for the owner's objection.
OBJECTION_WINDOW_HOURS = env_int("OBJECTION_WINDOW_HOURS", 72)
# Invitations (accounts a store creates for customers): link validity, then the store fixes it.
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)
# Customer look-ups by e-mail at the counter, per staff member and hour.
COUNTER_CUSTOMER_LOOKUPS_PER_HOUR = env_int("COUNTER_CUSTOMER_LOOKUPS_PER_HOUR", 30)
# Different e-mail addresses one unit's owner may be checked against per day, at any counter.
COUNTER_OWNER_CHECKS_PER_UNIT_PER_DAY = env_int("COUNTER_OWNER_CHECKS_PER_UNIT_PER_DAY", 3)
# Proxies in front of the app whose X-Forwarded-For entries are trusted (0: none).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Failed code look-ups allowed per window, per account and per client address.
LOOKUP_FAILURES_PER_ACCOUNT = env_int("LOOKUP_FAILURES_PER_ACCOUNT", 10)
LOOKUP_FAILURES_PER_ADDRESS = env_int("LOOKUP_FAILURES_PER_ADDRESS", 30)
LOOKUP_WINDOW_MINUTES = env_int("LOOKUP_WINDOW_MINUTES", 15)
# Units a customer may register by code per day (per account, per client address).
REGISTRATIONS_PER_ACCOUNT_PER_DAY = env_int("REGISTRATIONS_PER_ACCOUNT_PER_DAY", 10)
REGISTRATIONS_PER_ADDRESS_PER_DAY = env_int("REGISTRATIONS_PER_ADDRESS_PER_DAY", 30)
# Sign-up, password-reset and verification e-mails allowed per window, per recipient and per
# client address (nobody can flood a mailbox or send thousands from one address).
ACCOUNT_EMAILS_PER_RECIPIENT = env_int("ACCOUNT_EMAILS_PER_RECIPIENT", 3)
ACCOUNT_EMAILS_PER_ADDRESS = env_int("ACCOUNT_EMAILS_PER_ADDRESS", 20)
ACCOUNT_EMAILS_WINDOW_MINUTES = env_int("ACCOUNT_EMAILS_WINDOW_MINUTES", 60)
# Checks of a code on the public "check before you buy" page, per client per hour (all count).
CHECKS_PER_CLIENT_PER_HOUR = env_int("CHECKS_PER_CLIENT_PER_HOUR", 20)
# A photo of a label (read on the server where the page cannot use the camera): at most this
# many bytes and pixels, and this many photos per account and per client address an hour.
SCAN_PHOTO_MAX_BYTES = env_int("SCAN_PHOTO_MAX_BYTES", 12 * 1024 * 1024)
SCAN_PHOTO_MAX_PIXELS = env_int("SCAN_PHOTO_MAX_PIXELS", 50_000_000)
SCAN_PHOTOS_PER_ACCOUNT_PER_HOUR = env_int("SCAN_PHOTOS_PER_ACCOUNT_PER_HOUR", 20)
SCAN_PHOTOS_PER_CLIENT_PER_HOUR = env_int("SCAN_PHOTOS_PER_CLIENT_PER_HOUR", 60)
# Help requests (the contact form) per day: a signed-in account's new requests and replies;
# signed out, per sender address (each sends a confirmation e-mail) and per client address.
HELP_MESSAGES_PER_ACCOUNT_PER_DAY = env_int("HELP_MESSAGES_PER_ACCOUNT_PER_DAY", 20)
HELP_REQUESTS_PER_SENDER_PER_DAY = env_int("HELP_REQUESTS_PER_SENDER_PER_DAY", 3)
HELP_REQUESTS_PER_CLIENT_PER_DAY = env_int("HELP_REQUESTS_PER_CLIENT_PER_DAY", 10)
# A signed-out sender's unconfirmed request (and its message) is deleted after this long.
HELP_REQUEST_CONFIRM_DAYS = env_int("HELP_REQUEST_CONFIRM_DAYS", 7)

# The partner API (/api/v1/): API keys only (no session, so no CSRF surface), JSON in and out,
# RFC 9457 problem documents for every refusal, limits counted in PostgreSQL.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerKeyRate"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.BoundedJSONParser"],
    "EXCEPTION_HANDLER": "api.problems.handle_exception",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Device Registry partner API",
    "DESCRIPTION": "Register sales and swaps from a store's till (docs/api.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",  # served from our static files, never a CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "ApiKey": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "The word Api-Key, a space, then the key: Api-Key drp_…",
            }
        }
    },
    "SECURITY": [{"ApiKey": []}],
}
API_REQUESTS_PER_KEY_PER_MINUTE = env_int("API_REQUESTS_PER_KEY_PER_MINUTE", 120)
API_INVITATIONS_PER_STORE_PER_DAY = env_int("API_INVITATIONS_PER_STORE_PER_DAY", 200)
API_IDEMPOTENCY_HOURS = env_int("API_IDEMPOTENCY_HOURS", 24)
# /health/ready reports the outbox stuck when e-mails have been due this long.
HEALTH_OUTBOX_STUCK_MINUTES = env_int("HEALTH_OUTBOX_STUCK_MINUTES", 15)
# ... and "backup too old" when the newest base backup in var/backups is older (0: unchecked;
# where backups are made elsewhere, that system watches them).
HEALTH_BACKUP_MAX_AGE_HOURS = env_int("HEALTH_BACKUP_MAX_AGE_HOURS", 0)

LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "devices:my_devices"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3

# Structured logs (key=value): who, what, which unit; never passwords, tokens or full
# e-mail addresses (see portal/logs.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "portal.logs.RedactFilter"},
        "quiet_outage": {"()": "portal.outage.QuietOutageFilter"},
    },
    "formatters": {"structured": {"()": "portal.logs.KeyValueFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "structured",
            "filters": ["redact", "quiet_outage"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Our request log replaces Django's, whose lines carry raw paths (tokens live there).
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # its info lines repeat every sign-in
    },
}
