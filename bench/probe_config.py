"""The settings of make probe (bench/security_probe.py), and the environment they make.

Imported by security_probe.py before ``django.setup()``: it puts the checkout on
sys.path, unsets the variables that change the throttles or trust a proxy, and sets the
production settings in the environment, which gunicorn inherits.
"""

import os
import re
import secrets
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

PG = os.environ.get("PROBE_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("PROBE_DB", "bookstore_probe")
REDIS_URL = os.environ.get("PROBE_REDIS_URL", "redis://127.0.0.1:6379/11")
# One worker per thread of probe 1, so its 20 refreshes are served at once. On 4 workers
# and 2 cores the four in flight rarely met inside the race window of 0fa75d1 (1 pair of
# 20 most runs); on 20, 8 to 16 pairs.
WORKERS = 20
REFRESH_THREADS = WORKERS
TIMEOUT = 30  # seconds per HTTP request
LOG_DIR = BASE_DIR / "var" / "probe"
SERVER_LOG = LOG_DIR / "gunicorn.log"
REDIRECT_LOG = LOG_DIR / "gunicorn-ssl-redirect.log"
PASSWORD = "probe-Kq7vW2xZ-not-the-real-one"  # what the factories' users do not have

if not re.fullmatch(r"[a-z_][a-z0-9_]*", DB_NAME):
    raise SystemExit(f"probe: PROBE_DB must be a plain lower-case name, not {DB_NAME!r}")

# Production settings, as bench/run.sh sets them; gunicorn inherits this environment, so
# the tokens minted here are valid there (same secret key, same database).
for name in [name for name in os.environ if name.startswith("THROTTLE_")] + [
    "LOGIN_RATE",
    "DJANGO_BEHIND_PROXY",
    "DJANGO_TRUSTED_PROXIES",
    "FORWARDED_ALLOW_IPS",  # gunicorn's own default for --forwarded-allow-ips
]:
    os.environ.pop(name, None)
os.environ.update(
    DJANGO_SETTINGS_MODULE="bookstore.settings",
    DJANGO_DEBUG="False",
    DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or f"probe-only-secret-{secrets.token_hex(24)}",
    DJANGO_ALLOWED_HOSTS="127.0.0.1",
    DJANGO_SECURE_SSL_REDIRECT="False",  # on only for probe 7's own gunicorn
    DATABASE_URL=f"{PG}/{DB_NAME}",
    REDIS_URL=REDIS_URL,
    CELERY_BROKER_URL=REDIS_URL,
    CELERY_TASK_DEFAULT_QUEUE="probe",  # no worker reads it; the Redis database is flushed
    DJANGO_LOG_LEVEL="WARNING",
)
