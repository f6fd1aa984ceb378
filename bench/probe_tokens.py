"""The probes of make probe on the tokens: 1, the refresh fork; 6, an admin's new password.

Imported by security_probe.py after ``django.setup()``.
"""

import http.client
import json
import secrets
import threading
from urllib.parse import urlsplit

from probe_config import REFRESH_THREADS, TIMEOUT, WORKERS
from probe_harness import ME, REFRESH, Row, bearer, customer, http_session, status_and_code, tally

from accounts.models import User
from accounts.services import issue_tokens
from accounts.tests.factories import UserFactory


def warm_up(base: str, user: User, logins: int) -> None:
    """Refresh `logins` tokens of another user at once, so that every gunicorn worker has run
    the refresh once (imports, its PostgreSQL connection): a cold worker is tens of ms late."""
    pairs = [issue_tokens(user) for _ in range(logins)]

    def refresh(pair: dict[str, str]) -> None:
        http_session().post(base + REFRESH, json={"refresh": pair["refresh"]}, timeout=TIMEOUT)

    workers = [threading.Thread(target=refresh, args=(pair,)) for pair in pairs]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def probe_refresh_fork(base: str) -> Row:
    user = UserFactory(username="probe_refresh")
    pair = issue_tokens(user)
    threads = REFRESH_THREADS
    warm_up(base, UserFactory(username="probe_refresh_warm_up"), logins=2 * WORKERS)
    barrier = threading.Barrier(threads)
    body = json.dumps({"refresh": pair["refresh"]}).encode()
    host, port = urlsplit(base).hostname, urlsplit(base).port
    answers: list[tuple[int, dict] | str] = ["no answer"] * threads

    def attempt(n: int) -> None:
        # Connected before the barrier, so each gunicorn worker has taken a connection and
        # waits for its bytes: after it, the requests arrive together, not one connect apart.
        conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
        try:
            conn.connect()
            barrier.wait(timeout=TIMEOUT)
            conn.request("POST", REFRESH, body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            text = response.read()
            try:
                answers[n] = (response.status, json.loads(text))
            except ValueError:
                answers[n] = (response.status, {})
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as error:
            barrier.abort()
            answers[n] = f"no answer ({type(error).__name__})"
        finally:
            conn.close()

    workers = [threading.Thread(target=attempt, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    winners = [answer[1] for answer in answers if not isinstance(answer, str) and answer[0] == 200]
    others = [
        answer if isinstance(answer, str) else f"{answer[0]} {answer[1].get('code') or ''}".strip()
        for answer in answers
        if isinstance(answer, str) or answer[0] != 200
    ]
    # Once every replay has answered: does what the winners got still work?
    session = http_session()
    refresh_after = [session.post(base + REFRESH, json={"refresh": w["refresh"]}, timeout=TIMEOUT) for w in winners]
    access_after = [session.get(base + ME, headers=bearer(w["access"]), timeout=TIMEOUT) for w in winners]
    result = f"200 x{len(winners)} of {threads}; others: {tally(others) or 'none'}."
    if winners:
        refresh_codes = tally([status_and_code(r) for r in refresh_after])
        access_codes = tally([status_and_code(r) for r in access_after])
        whose = "the winner's" if len(winners) == 1 else f"the {len(winners)} winners'"
        result += f" Then {whose} new tokens: refresh {refresh_codes}; access on {ME} {access_codes}."
    refused = all(r.status_code == 401 for r in refresh_after + access_after)
    return Row(
        "1",
        "Refresh fork",
        f"{threads} threads POST {REFRESH} with one refresh token at once (connected first, then"
        " released by a threading.Barrier)",
        result,
        len(winners) == 1 and refused,
    )


def probe_admin_password(base: str) -> Row:
    user = customer("probe_reset")
    pair = issue_tokens(user)
    session = http_session()
    before = session.get(base + ME, headers=bearer(pair["access"]), timeout=TIMEOUT)
    # What the admin's "Change password" form (AdminPasswordChangeForm.save) does.
    user.set_password("Admin-set-" + secrets.token_urlsafe(9))
    user.save()
    me = session.get(base + ME, headers=bearer(pair["access"]), timeout=TIMEOUT)
    refresh = session.post(base + REFRESH, json={"refresh": pair["refresh"]}, timeout=TIMEOUT)
    return Row(
        "6",
        "Admin password reset",
        f"issue_tokens, then set_password() + save() in-process; {ME} with the old access,"
        f" {REFRESH} with the old refresh",
        f"before the change {ME} {before.status_code}; after: {ME} {status_and_code(me)},"
        f" refresh {status_and_code(refresh)}",
        before.status_code == 200 and me.status_code == 401 and refresh.status_code == 401,
    )
