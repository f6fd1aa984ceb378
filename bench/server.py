"""gunicorn on a free port of 127.0.0.1, for make bench and make race: started, checked, stopped.

It runs this checkout's code with the interpreter running the caller (the project's
.venv, or another tree's copy of a script), in a process group of its own so that
stopping it stops its workers too.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """`app` served by gunicorn with `options`, logging to `log`; ready once `ready_path` answers 200.

    `env` adds to (or overrides) this process's environment for gunicorn, e.g. CATALOG_CACHE=off.
    """

    def __init__(
        self,
        port: int,
        *,
        log: Path,
        options: list[str],
        app: str = "bookstore.wsgi:application",
        ready_path: str = "/api/v1/genres/",
        env: dict[str, str] | None = None,
    ):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a") as handle:  # the child keeps its own handle
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", app, f"--bind=127.0.0.1:{port}", "--log-level=warning", *options],
                cwd=BASE_DIR,
                env={**os.environ, **(env or {})},
                start_new_session=True,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}{ready_path}", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"gunicorn did not start (see {log})")
            time.sleep(0.3)

    def worker_rss_mb(self) -> list[float]:
        out = subprocess.run(
            ["ps", "-o", "rss=", "--ppid", str(self.process.pid)], capture_output=True, text=True, check=False
        ).stdout
        return sorted(round(int(line) / 1024, 1) for line in out.split())

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
