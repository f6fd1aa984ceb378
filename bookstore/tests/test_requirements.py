"""`pip install -r requirements.txt` alone runs web, worker and beat (issue 14, item 7).

A production install has no dev requirements: kombu's Redis transport needs `packaging`,
which only `celery[redis]` brings, and without it every `.delay()` failed. This installs
requirements.txt into a fresh virtualenv (about 15 s from the pip cache) and, in it,
imports the WSGI app and talks to the real Redis as the broker and as the cache.
"""

import os
import subprocess
import venv
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

CHECK = """
import django, kombu
from django.conf import settings
django.setup()
from bookstore.wsgi import application
with kombu.Connection(settings.CELERY_BROKER_URL) as broker:
    broker.ensure_connection(max_retries=1)
    assert broker.transport.driver_type == "redis", broker.transport.driver_type
from django.core.cache import cache
cache.set("requirements-check", 1, timeout=5)
assert cache.get("requirements-check") == 1
print("ok", type(application).__name__)
"""


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs the real Redis (make test sets REDIS_URL)")
def test_requirements_txt_alone_installs_the_broker_transport_cache_and_wsgi_app(tmp_path):
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", "requirements.txt"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "bookstore.settings",
        "REDIS_URL": os.environ["REDIS_URL"],
        "CELERY_BROKER_URL": os.environ["REDIS_URL"],
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    check = subprocess.run([python, "-c", CHECK], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr[-3000:]
    assert check.stdout.startswith("ok"), check.stdout
