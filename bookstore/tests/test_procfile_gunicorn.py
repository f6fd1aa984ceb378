"""The Procfile's gunicorn, as production starts it: who may say a request is HTTPS (issue 14).

gunicorn by default believes X-Forwarded-Proto from 127.0.0.1 and sets the request's
scheme before Django sees it, so a client on this host (or one whose header a local
proxy passes on) could claim HTTPS although DJANGO_BEHIND_PROXY is unset
(make probe, attack 7). The Procfile turns that off; Django decides alone.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def web_command() -> str:
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    return line.removeprefix("web:").strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url: str, headers: dict) -> int:
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def procfile_web(tmp_path):
    """start(behind_proxy) -> base URL of the Procfile's web process on production settings."""
    started = []

    def start(*, behind_proxy: bool) -> str:
        port = free_port()
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "FORWARDED"))}
        env.update(
            PORT=str(port),
            WEB_CONCURRENCY="1",
            DJANGO_DEBUG="False",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DJANGO_BEHIND_PROXY=str(behind_proxy),
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        )
        env.pop("REDIS_URL", None)
        process = subprocess.Popen(
            ["bash", "-c", f"exec {web_command()}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return url
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("the Procfile's gunicorn did not start") from None
                time.sleep(0.2)

    yield start
    for process in started:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)


# No database tables and no collected static files here: an API path that is not there
# answers its JSON 404 with neither, once it is not redirected to HTTPS first.
NOWHERE = "/api/v1/no-such-endpoint/"


def test_a_client_claiming_https_is_still_redirected_to_https(procfile_web):
    url = procfile_web(behind_proxy=False)
    assert get(f"{url}{NOWHERE}", {}) == 301
    assert get(f"{url}{NOWHERE}", {"X-Forwarded-Proto": "https"}) == 301


def test_behind_a_proxy_its_x_forwarded_proto_is_believed(procfile_web):
    url = procfile_web(behind_proxy=True)
    assert get(f"{url}{NOWHERE}", {}) == 301
    assert get(f"{url}{NOWHERE}", {"X-Forwarded-Proto": "https"}) == 404
