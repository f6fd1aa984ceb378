"""core.indexes.PortableIndex: NULLS LAST on PostgreSQL, left out where SQLite cannot index it (R37's order)."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.django_db

MIGRATIONS = ("0012", "0013")  # the rating indexes, descending and ascending


def test_sqlite_creates_the_rating_indexes_without_nulls_last(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    for migration in MIGRATIONS:
        sql = subprocess.run(
            [sys.executable, "manage.py", "sqlmigrate", "catalog", migration],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "CREATE INDEX" in sql and "NULLS" not in sql


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL keeps the order as written")
def test_postgresql_keeps_nulls_last_so_the_planner_walks_the_index():
    for migration in MIGRATIONS:
        out = StringIO()
        call_command("sqlmigrate", "catalog", migration, stdout=out)
        assert "NULLS LAST" in out.getvalue()
