"""Settings for Bookstore, read from the environment only (SPEC section 7).

With no variable set you get the embedded default: debug on, SQLite in ``var/``,
a Celery broker on the local filesystem, localhost allowed. Production sets
``DJANGO_DEBUG=False``, ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS``,
``DATABASE_URL`` (PostgreSQL), ``REDIS_URL`` and ``CELERY_BROKER_URL``.
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

from .settings_celery import celery_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# GENERAL
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="django-insecure-embedded-default-only-never-use-in-production")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
TIME_ZONE = env("DJANGO_TIME_ZONE", default="Asia/Tehran")
# R40: Persian first, English second. A page's language is the user's stored choice (the
# switcher on every page), else the browser's Accept-Language, else this default; the API's
# error texts follow Accept-Language. The catalogs are locale/ (make compiles the .mo files).
LANGUAGE_CODE = env("DJANGO_LANGUAGE_CODE", default="fa")
LANGUAGES = [("fa", "فارسی"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
# Dates in the site's form everywhere, the admin's lists and forms too (bookstore/formats).
FORMAT_MODULE_PATH = ["bookstore.formats"]
USE_TZ = True
ROOT_URLCONF = "bookstore.urls"
WSGI_APPLICATION = "bookstore.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# DATABASES
# ------------------------------------------------------------------------------
# The embedded default is SQLite with WAL and BEGIN IMMEDIATE, so every atomic()
# takes the write lock up front: select_for_update() is a no-op on SQLite and the
# immediate lock is what keeps two writers from racing there.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; PRAGMA synchronous=NORMAL;",
}
# Persistent connections (CONN_MAX_AGE seconds: DATABASE_URL's ?conn_max_age=, else the
# CONN_MAX_AGE variable) spare gunicorn and Celery, whose threads serve request after
# request, a PostgreSQL connection setup each time; CONN_HEALTH_CHECKS pings a kept one
# before reuse. Under `manage.py runserver` they are off, as Django's docs advise: the
# development server runs each HTTP connection in its own thread, so every keep-alive
# client would hold a PostgreSQL connection between its requests, and a few hundred API
# clients exhaust max_connections. runserver is told by argv[1], the subcommand Django
# itself reads (manage.py, django-admin, python -m django, the autoreloader's child), not
# by a variable that each way of starting it would have to set. SQLite (the embedded
# default) keeps them off too: opening its file saves nothing worth keeping.
_under_runserver = sys.argv[1:2] == ["runserver"]
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    if _under_runserver:
        DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Parameters bound on the server, so psycopg prepares a statement run this many times on a
    # connection and PostgreSQL stops parsing and planning it again: its CPU per reserve fell
    # from about 4 to 2.2 ms (make bench). Empty turns preparing off (behind a PgBouncer in
    # transaction mode older than 1.21, which cannot keep prepared statements).
    _prepare_threshold = env.str("DATABASE_PREPARE_THRESHOLD", default="5")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=int(_prepare_threshold) if _prepare_threshold else None
    )

# APPS
# ------------------------------------------------------------------------------
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "django_otp",
    "csp",
    "easy_thumbnails",
]
# Bottom to top: core (what every app shares) under the feature apps, the dashboard over
# them (docs/architecture.md). Each imports only from the apps listed before it.
LOCAL_APPS = [
    "core",
    "accounts",
    "billing",
    "catalog",
    "reservations",
    "shop",
    "reviews",
    "wishlist",
    "demo",
    "dashboard",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# AUTHENTICATION
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# The module that answers the catalog's questions about loans and queues (catalog.lending).
CATALOG_LENDING = "reservations.catalog_lending"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# MIDDLEWARE
# ------------------------------------------------------------------------------
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files carry the policies too (an SVG opened on its own).
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.media.MediaFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a logged-in user's stored language wins on pages (R40).
    "accounts.middleware.UserLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# STATIC
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# MEDIA: book covers uploaded by authors (issue 17) and their thumbnails (easy-thumbnails)
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
# WhiteNoise serves MEDIA_ROOT (core.media); false when a proxy serves it (README, Production).
SERVE_MEDIA = env.bool("DJANGO_SERVE_MEDIA", default=True)
THUMBNAIL_BASEDIR = "thumbnails"
# A thumbnail keeps its cover's format, so its name follows from the cover's: pages never look it up.
THUMBNAIL_PRESERVE_EXTENSIONS = True
THUMBNAIL_ALIASES = {
    "catalog.Book.cover": {
        "card": {"size": (96, 144), "crop": "smart"},
        "page": {"size": (240, 360), "crop": "smart"},
    }
}

# TEMPLATES
# ------------------------------------------------------------------------------
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
                "accounts.context_processors.unread_notifications",
            ],
        },
    },
]

# CACHES
# ------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# Rate-limit counters live here, so the cache must be shared by every process:
# Redis when configured, else a table in the database (`manage.py createcachetable`).
# django-redis, not Django's own backend: that one builds a new redis-py client (and its
# table of reply callbacks) for every cache call; django-redis keeps one per process. A
# cached page of the book list: 2,780 -> 1,686 Python calls (cProfile).
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}}
# The book list's pages and the counts of filtered or searched lists are cached under a
# catalog version (catalog.selectors). CATALOG_CACHE=off builds every one from the database
# on every request instead, neither reading nor writing them (make bench starts a second
# gunicorn so to measure cache misses); rate limits and the rest keep the cache. Default on.
CATALOG_CACHE = env.bool("CATALOG_CACHE", default=True)

# SECURITY (production values come with DJANGO_DEBUG=False)
# ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Django's defaults, named here so that a change is a decision: no Referer to other sites
# (a page's address can hold a search or a book id), and no window of another origin keeps
# a handle on ours (window.opener).
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): every script and style is a file from this site, so
# an injected <script>, style="..." or onclick="..." does not run (issue 14). Nothing may be
# inline, not even in the admin's own templates: tests scan the templates and a browser
# visits every page (bookstore/tests/browser/test_csp.py). img-src allows data: for the
# drop-down arrow in Swagger UI's stylesheet; the dashboard's charts are inline SVG
# elements, which need no source. Swagger UI runs under it through its split view, which
# serves its start-up script as a file (bookstore/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
# Permissions-Policy (django-permissions-policy): no page here needs a device or sensor, so
# none may use one, nor any frame in it. Only features that browsers know, or Chromium
# logs an "Unrecognized feature" error on every page.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
# X-Forwarded-Proto says "https" only if a proxy in front sets it and overwrites whatever a
# client sent: trusted only when DJANGO_BEHIND_PROXY says so, or any client reaching
# gunicorn directly could claim HTTPS (issue 14).
BEHIND_PROXY = env.bool("DJANGO_BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front append the client's address to X-Forwarded-For: the throttles
# take the address the outermost of them saw. 0 ignores the header (anyone can write it);
# behind a proxy the default is that one proxy.
TRUSTED_PROXIES = env.int("DJANGO_TRUSTED_PROXIES", default=1 if BEHIND_PROXY else 0)
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# DJANGO REST FRAMEWORK
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.RevocableJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.SafeJSONParser"],
    # Client addresses for throttles: REMOTE_ADDR, or X-Forwarded-For as the trusted proxies saw it.
    "NUM_PROXIES": TRUSTED_PROXIES,
}
# Sign-in throttles (accounts/throttles.py), each scope a list of "N/second|minute|hour|day"
# windows, all enforced. A 429 carries Retry-After; the API and the pages share the counts.
SIGN_IN_THROTTLES = {
    # The password step, per client address and per account (the username as typed).
    "login-client": env.list("THROTTLE_LOGIN_CLIENT", default=[env("LOGIN_RATE", default="30/minute"), "300/day"]),
    "login-account": env.list("THROTTLE_LOGIN_ACCOUNT", default=["10/minute", "50/day"]),
    # The code step, per client address (each code also allows only 5 wrong tries, R21).
    "code-client": env.list("THROTTLE_CODE_CLIENT", default=["30/minute", "300/day"]),
    # Signup, per client address: each one costs a password hash.
    "signup-client": env.list("THROTTLE_SIGNUP_CLIENT", default=["5/minute", "30/day"]),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Bookstore API",
    "DESCRIPTION": "Lending library API v1: catalog, reservations and queues, wallet, subscriptions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from the public online validator: it would send the schema's address out, and
    # the CSP would block its image anyway.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
}

# CELERY
# ------------------------------------------------------------------------------
globals().update(celery_settings(env, redis_url=REDIS_URL, var_dir=VAR_DIR))

# BOOKSTORE
# ------------------------------------------------------------------------------
PAYMENT_GATEWAY = env("PAYMENT_GATEWAY", default="billing.gateways.FakeGateway")
SMS_BACKEND = env("SMS_BACKEND", default="accounts.sms.ConsoleSmsBackend")
# R39: e-mail by Django's backend, printed on the console unless EMAIL_URL names a server
# (smtp+tls://user:password@host:587; django-environ's schemes).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Bookstore <no-reply@bookstore.localhost>")
# R39: the site's address as people reach it, for the links in e-mails (accounts.emails).
SITE_URL = env("SITE_URL", default="http://localhost:8000").rstrip("/")
# R33: the queued customers per unit the demand report's "buy" aims at (reservations.demand).
DEMAND_QUEUE_PER_UNIT = env.int("DEMAND_QUEUE_PER_UNIT", default=3)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # Django's own default config gives "django" a console handler too, and its records also
    # reach the root's: every line ("Watching for file changes…") was printed twice.
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
}
