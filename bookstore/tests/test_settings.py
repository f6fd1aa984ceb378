"""Settings come from the environment only, with the embedded default when none is set (SPEC 7)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'options': settings.DATABASES['default'].get('OPTIONS', {}), 'debug': settings.DEBUG, "
    "'broker': settings.CELERY_BROKER_URL, 'hasher': settings.PASSWORD_HASHERS[0], "
    "'cache': settings.CACHES['default']['BACKEND'], 'hosts': settings.ALLOWED_HOSTS}))"
)
CONFIG_NAMES = ("DJANGO_DEBUG", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_ALLOWED_HOSTS")


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
