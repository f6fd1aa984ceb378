"""What the tests of background work share: a ``celery -A bookstore worker`` subprocess and its broker.

A worker runs on the test database (the test needs ``transaction=True``, so the worker sees
committed rows) with a broker space of its own: a queue of its own on Redis, or a temporary
folder for the filesystem broker of the embedded default. ``wait_until`` polls with a deadline.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
DEADLINE = 30  # seconds to wait for a worker to finish a piece of work


def sms_lines(output: str, phone: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(f"SMS to {phone}: ")]


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the worker process shares the test database, which must be PostgreSQL (SQLite tests run in memory)",
)


def worker_database_url() -> str:
    """DATABASE_URL of the database this test runs on (test_<name>, with _gwN under xdist)."""
    settings = connection.settings_dict
    credentials = quote(settings["USER"] or "", safe="")
    if settings["PASSWORD"]:
        credentials += ":" + quote(settings["PASSWORD"], safe="")
    host = settings["HOST"] or "localhost"
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{settings['NAME']}"


class Worker:
    """A `celery -A bookstore worker` subprocess with its own broker space and log file."""

    def __init__(self, environment: dict[str, str], log: Path, pool: str = "solo") -> None:
        self.environment = environment
        self.log = log
        self.pool = pool
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        command = [
            sys.executable, "-m", "celery", "-A", "bookstore", "worker",
            f"--pool={self.pool}", "--concurrency=1", "--loglevel=INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            f"--hostname=test-{uuid.uuid4().hex[:8]}@%h",
        ]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def kill(self) -> None:
        """SIGKILL the worker and everything it started: no warm shutdown, no acknowledgements."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def children(self) -> list[int]:
        """The pool's processes (prefork), read from /proc."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]


def wait_until(condition: Callable[[], bool], worker: Worker, what: str, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert worker.process.poll() is None, f"the worker exited while waiting for {what}:\n{worker.output()}"
        assert time.monotonic() < deadline, f"no {what} after {timeout}s; worker log:\n{worker.output()[-5000:]}"
        time.sleep(0.02)


def redis_url() -> str:
    import redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {url} ({error}); `make test` provides one")
    return url


def delete_redis_queue(url: str, queue: str) -> None:
    """Remove what a test's queue left in Redis, including messages a killed worker never acknowledged."""
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{queue}*"):
        client.delete(key)
    client.delete(f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    for tag, payload in client.hscan_iter("unacked"):
        try:
            routing_key = json.loads(payload)[2]
        except (ValueError, IndexError):
            continue
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
