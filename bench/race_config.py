"""The settings of make race (bench/integrity_race.py), and the environment they make.

Imported by integrity_race.py before ``django.setup()``: it puts the checkout on
sys.path and sets the production settings in the environment, which gunicorn inherits.
"""

import os
import re
import secrets
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

PG = os.environ.get("RACE_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("RACE_DB", "bookstore_race")
REDIS_URL = os.environ.get("RACE_REDIS_URL", "redis://127.0.0.1:6379/10")
WORKERS = 4
UNITS = 20
FUNDING = 100_000_000  # toman per reserving customer: far more than 25 s of 1-day loans cost
CHARGE = 5_000
SAMPLE_SECONDS = 0.02
TIMEOUT = 30  # seconds per HTTP request
SERVER_LOG = BASE_DIR / "var" / "race" / "gunicorn.log"

if not re.fullmatch(r"[a-z_][a-z0-9_]*", DB_NAME):
    raise SystemExit(f"race: RACE_DB must be a plain lower-case name, not {DB_NAME!r}")

# Production settings, as bench/run.sh sets them; gunicorn inherits this environment, so
# the session and tokens made here are valid there (same secret key, same database).
os.environ.update(
    DJANGO_SETTINGS_MODULE="bookstore.settings",
    DJANGO_DEBUG="False",
    DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or f"race-only-secret-{secrets.token_hex(24)}",
    DJANGO_ALLOWED_HOSTS="127.0.0.1",
    DJANGO_SECURE_SSL_REDIRECT="False",
    DATABASE_URL=f"{PG}/{DB_NAME}",
    REDIS_URL=REDIS_URL,
    CELERY_BROKER_URL=REDIS_URL,
    CELERY_TASK_DEFAULT_QUEUE="race",  # no worker reads it; the Redis database is flushed
    DJANGO_LOG_LEVEL="WARNING",
)
