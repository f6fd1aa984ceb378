"""`make run`: the Procfiles' web, worker and beat, started by scripts/run.sh and stopped by Ctrl-C (SPEC section 6)."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from honcho.environ import parse_procfile
from kombu import Connection

from accounts.tasks import send_pending_notifications
from bookstore.tests.celery_worker import ROOT

pytestmark = pytest.mark.django_db


# `make run` ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_procfiles_run_web_worker_and_one_beat():
    for name in ("Procfile", "Procfile.dev"):
        processes = parse_procfile((ROOT / name).read_text()).processes
        assert set(processes) == {"web", "worker", "beat"}, name
        assert "celery -A bookstore worker" in processes["worker"]
        assert "celery -A bookstore beat" in processes["beat"]
    assert "gunicorn bookstore.wsgi" in parse_procfile((ROOT / "Procfile").read_text()).processes["web"]


def test_make_run_serves_the_site_with_worker_and_beat_and_ctrl_c_stops_all(tmp_path):
    """scripts/run.sh on the embedded default: migrate, seed, web + worker + beat, all gone after Ctrl-C."""
    port = free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_TASK_DEFAULT_QUEUE")
    }
    environment.update(
        PORT=str(port),
        PYTHON=sys.executable,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",  # the embedded default, in a folder of its own
        CELERY_QUEUE_FOLDER=str(tmp_path / "celery"),
    )
    run = subprocess.Popen(
        ["bash", "scripts/run.sh"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(run.stdout.readline, "")), daemon=True)
    reader.start()
    output = lambda: "".join(lines)  # noqa: E731
    pids: list[int] = []

    def wait_for(text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in output():
            assert run.poll() is None, f"make run exited before {text!r}:\n{output()}"
            assert time.monotonic() < deadline, f"no {text!r} after {timeout}s:\n{output()}"
            time.sleep(0.1)

    try:
        wait_for(f"Bookstore is running at http://127.0.0.1:{port}/", timeout=120)
        assert "Demo accounts:" in output() and "demo_premium" in output()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=10) as response:
            assert response.status == 200
        wait_for(" ready.", timeout=30)  # the worker
        wait_for("beat: Starting...", timeout=30)
        folder = tmp_path / "celery"
        queue = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
        }
        with Connection("filesystem://localhost/", transport_options=queue) as broker:
            send_pending_notifications.apply_async(queue="celery", connection=broker)
        wait_for("Task accounts.tasks.send_pending_notifications[", timeout=30)  # the worker took it
        pids = [int(pid) for pid in re.findall(r"(?:web|worker|beat)\.1 +started \(pid=(\d+)\)", output())]
        assert len(pids) == 3, output()

        # One clock (issue 17): honcho's stamps are in the site's zone, as Django's and Celery's lines.
        stamp = re.search(r"^(\d\d):(\d\d):\d\d system +\| web\.1 started", output(), re.M)
        tehran = datetime.now(ZoneInfo("Asia/Tehran"))
        minutes = int(stamp.group(1)) * 60 + int(stamp.group(2))
        assert (
            min(
                abs(tehran.hour * 60 + tehran.minute - minutes),
                24 * 60 - abs(tehran.hour * 60 + tehran.minute - minutes),
            )
            <= 5
        )
        assert output().count("Watching for file changes") == 1, output()

        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's foreground group
        run.wait(timeout=30)
        assert run.returncode == 0, output()  # a clean exit: no "make: *** Error 143"

        for pid in pids:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
        with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
    finally:
        for group in [run.pid, *pids]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
        run.wait(timeout=10)
