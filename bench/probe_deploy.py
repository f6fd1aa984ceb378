"""The probes of make probe on the deployment: 7, a client claiming HTTPS (and 7b, on
gunicorn's default); 8, the security headers.

Imported by security_probe.py after ``django.setup()``.
"""

import os
import shlex

import requests
from probe_config import BASE_DIR, REDIRECT_LOG, TIMEOUT
from probe_harness import LOGIN_PAGE, POLICY_HEADERS, RedirectingGunicorn, Row, http_session
from server import free_port


def procfile_forwarded_allow_ips() -> str | None:
    """The Procfile's --forwarded-allow-ips for the web process, or None when it leaves gunicorn's default."""
    web = next(line for line in (BASE_DIR / "Procfile").read_text().splitlines() if line.startswith("web:"))
    flags = [word for word in shlex.split(web) if word.startswith("--forwarded-allow-ips")]
    return flags[-1].partition("=")[2] if flags else None


def claims_https(number: str, forwarded_allow_ips: str | None) -> Row:
    """Probe 7 on its own gunicorn: SECURE_SSL_REDIRECT on, DJANGO_BEHIND_PROXY unset."""
    options = [
        "--workers=2",
        f"--chdir={BASE_DIR}",
        *([] if forwarded_allow_ips is None else [f"--forwarded-allow-ips={forwarded_allow_ips}"]),
    ]
    env = {**os.environ, "DJANGO_SECURE_SSL_REDIRECT": "True"}
    server = RedirectingGunicorn(free_port(), log=REDIRECT_LOG, options=options, env=env, ready_path=LOGIN_PAGE)
    try:
        session = http_session()
        plain = session.get(server.url + LOGIN_PAGE, timeout=TIMEOUT, allow_redirects=False)
        claimed = session.get(
            server.url + LOGIN_PAGE, headers={"X-Forwarded-Proto": "https"}, timeout=TIMEOUT, allow_redirects=False
        )
    finally:
        server.stop()

    def describe(response: requests.Response) -> str:
        if response.is_redirect:
            return f"{response.status_code} to {response.headers.get('Location')}"
        if response.status_code != 200:
            return str(response.status_code)
        hsts = " with HSTS" if "Strict-Transport-Security" in response.headers else ""
        return f"200{hsts} (served as HTTPS)"

    holds = plain.is_redirect and claimed.is_redirect
    found = f"without the header {describe(plain)}; with it {describe(claimed)}"
    sent = (
        f"plain HTTP GET {LOGIN_PAGE} with X-Forwarded-Proto: https; SECURE_SSL_REDIRECT on, DJANGO_BEHIND_PROXY unset;"
    )
    if number == "7":
        flag = "gunicorn's default" if forwarded_allow_ips is None else f"--forwarded-allow-ips='{forwarded_allow_ips}'"
        return Row(number, "Client claims HTTPS", f"{sent} gunicorn as in the Procfile ({flag})", found, holds)
    return Row(
        number,
        "Client claims HTTPS, gunicorn's default",
        "as 7, on gunicorn's default --forwarded-allow-ips (127.0.0.1,::1; the client is 127.0.0.1)",
        found,
        holds,
        counted=False,
    )


def probe_headers(base: str) -> Row:
    session = http_session()
    answers = {
        f"page {LOGIN_PAGE}": session.get(base + LOGIN_PAGE, timeout=TIMEOUT),
        "API /api/v1/genres/": session.get(base + "/api/v1/genres/", timeout=TIMEOUT),
    }
    parts, complete = [], True
    for name, response in answers.items():
        missing = [header for header in POLICY_HEADERS if header not in response.headers]
        present = [header for header in POLICY_HEADERS if header in response.headers]
        complete &= not missing and response.status_code == 200
        parts.append(
            f"{name} ({response.status_code}): present {', '.join(present) or 'none'};"
            f" missing {', '.join(missing) or 'none'}"
        )
    return Row(
        "8",
        "Security headers",
        f"GET {LOGIN_PAGE} and GET /api/v1/genres/",
        "; ".join(parts),
        complete,
    )
