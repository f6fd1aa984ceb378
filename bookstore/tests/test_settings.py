"""Settings come from the environment only, with the embedded default when none is set (SPEC 7)."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'options': settings.DATABASES['default'].get('OPTIONS', {}), 'debug': settings.DEBUG, "
    "'broker': settings.CELERY_BROKER_URL, 'hasher': settings.PASSWORD_HASHERS[0], "
    "'cache': settings.CACHES['default']['BACKEND'], 'hosts': settings.ALLOWED_HOSTS, "
    "'proxy_ssl_header': getattr(settings, 'SECURE_PROXY_SSL_HEADER', None)}))"
)
CONFIG_NAMES = (
    "DJANGO_DEBUG",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_BEHIND_PROXY",
)


def settings_with(tmp_path, **environment: str) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in CONFIG_NAMES}
    env.update(DJANGO_SETTINGS_MODULE="bookstore.settings", **environment)
    output = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_embedded_default_is_debug_sqlite_with_immediate_transactions_and_filesystem_broker(tmp_path):
    found = settings_with(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in found["options"]["init_command"]
    assert "busy_timeout" in found["options"]["init_command"]
    assert found["debug"] is True
    assert found["broker"].startswith("filesystem://")
    assert "localhost" in found["hosts"]


def test_nothing_set_gives_sqlite_and_debug(tmp_path):
    found = settings_with(tmp_path)
    assert found["engine"] == "django.db.backends.sqlite3" and found["debug"] is True


def test_database_url_selects_postgresql_and_redis_url_the_cache_and_broker(tmp_path):
    found = settings_with(
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/bookstore",
        REDIS_URL="redis://127.0.0.1:6379/0",
        DJANGO_DEBUG="False",
        DJANGO_ALLOWED_HOSTS="books.example.com",
    )
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["cache"] == "django_redis.cache.RedisCache"
    assert found["broker"] == "redis://127.0.0.1:6379/0"
    assert found["debug"] is False
    assert found["hosts"] == ["books.example.com"]


def test_argon2_is_the_first_password_hasher(tmp_path):
    assert settings_with(tmp_path)["hasher"].endswith("Argon2PasswordHasher")


# --- Persistent connections: under gunicorn and Celery, never under runserver ---------------

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bookstore"
CONNECTION_PROBE = (
    "import json, sys; sys.argv = json.loads(sys.argv[1]); "
    "from django.conf import settings; database = settings.DATABASES['default']; "
    "print(json.dumps([database['CONN_MAX_AGE'], database['CONN_HEALTH_CHECKS']]))"
)


def connection_settings(argv: list[str], **environment: str) -> list:
    """[CONN_MAX_AGE, CONN_HEALTH_CHECKS] of a process started with `argv` (settings import only)."""
    env = {key: value for key, value in os.environ.items() if key not in (*CONFIG_NAMES, "CONN_MAX_AGE")}
    env.update(DJANGO_SETTINGS_MODULE="bookstore.settings", **environment)
    output = subprocess.run(
        [sys.executable, "-c", CONNECTION_PROBE, json.dumps(argv)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


GUNICORN = [".venv/bin/gunicorn", "bookstore.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2"]
CELERY_WORKER = [".venv/bin/celery", "-A", "bookstore", "worker", "--loglevel=INFO"]
CELERY_BEAT = ["celery/__main__.py", "-A", "bookstore", "beat"]
RUNSERVERS = [
    ["manage.py", "runserver", "127.0.0.1:8000"],
    [".venv/bin/django-admin", "runserver"],
    ["django/__main__.py", "runserver", "--noreload"],
]


@pytest.mark.parametrize("argv", [GUNICORN, CELERY_WORKER, CELERY_BEAT, ["manage.py", "migrate"]])
def test_gunicorn_and_celery_keep_postgresql_connections_60_seconds_by_default(argv):
    assert connection_settings(argv, DATABASE_URL=POSTGRES_URL) == [60, True]


def test_conn_max_age_sets_how_long_they_are_kept():
    assert connection_settings(GUNICORN, DATABASE_URL=POSTGRES_URL, CONN_MAX_AGE="600") == [600, True]
    assert connection_settings(CELERY_WORKER, DATABASE_URL=f"{POSTGRES_URL}?conn_max_age=30") == [30, True]


@pytest.mark.parametrize("argv", RUNSERVERS)
def test_runserver_never_keeps_connections_whatever_is_configured(argv):
    assert connection_settings(argv, DATABASE_URL=POSTGRES_URL, CONN_MAX_AGE="600") == [0, True]
    assert connection_settings(argv, DATABASE_URL=f"{POSTGRES_URL}?conn_max_age=600") == [0, True]


def test_the_real_manage_py_runserver_gets_no_persistent_connections(tmp_path):
    """`manage.py runserver` itself: settings that print what they hold and stop before it serves."""
    (tmp_path / "probe_settings.py").write_text(
        "import json, sys\n"
        "from bookstore.settings import *  # noqa: F403\n"
        "print(json.dumps(DATABASES['default']['CONN_MAX_AGE']), flush=True)  # noqa: F405\n"
        "sys.exit(0)\n"
    )
    env = {key: value for key, value in os.environ.items() if key not in CONFIG_NAMES}
    env.update(
        DJANGO_SETTINGS_MODULE="probe_settings",
        PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]),
        DATABASE_URL=POSTGRES_URL,
        CONN_MAX_AGE="600",
    )
    output = subprocess.run(
        [sys.executable, "manage.py", "runserver", "--noreload", "127.0.0.1:0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert output.strip().splitlines()[-1] == "0"


@pytest.mark.parametrize("argv", [GUNICORN, CELERY_WORKER, RUNSERVERS[0]])
def test_the_embedded_sqlite_never_keeps_connections(tmp_path, argv):
    sqlite_url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    assert connection_settings(argv, DATABASE_URL=sqlite_url, CONN_MAX_AGE="600") == [0, True]


def test_x_forwarded_proto_is_trusted_only_behind_a_declared_proxy(tmp_path):
    """Any client reaching gunicorn could send X-Forwarded-Proto: https (issue 14)."""
    production = {"DJANGO_DEBUG": "False", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    assert settings_with(tmp_path, **production)["proxy_ssl_header"] is None
    behind = settings_with(tmp_path, DJANGO_BEHIND_PROXY="True", **production)
    assert behind["proxy_ssl_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_the_procfile_binds_gunicorn_to_the_loopback_unless_told_otherwise():
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    assert "--bind ${WEB_HOST:-127.0.0.1}:" in web


def test_check_deploy_is_clean_on_production_settings(tmp_path):
    """`manage.py check --deploy --fail-level WARNING` with what production sets (issue 14)."""
    # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests' conftest when they share this process.
    unset = (*CONFIG_NAMES, "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env.update(
        DJANGO_SETTINGS_MODULE="bookstore.settings",
        DJANGO_DEBUG="False",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_ALLOWED_HOSTS="example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "System check identified no issues" in check.stdout
