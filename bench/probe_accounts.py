"""The probes of make probe on the accounts: 9, case and script duplicates at signup; 10, a
phone change without the password.

Imported by security_probe.py after ``django.setup()``.
"""

import secrets

from probe_config import TIMEOUT
from probe_harness import SIGNUP, Row, bearer, customer, http_session, refusal

from accounts.services import issue_tokens
from accounts.tests.factories import UserFactory


def probe_duplicates(base: str) -> Row:
    UserFactory(username="demo_plus")
    UserFactory(username="root")  # root@example.com
    session = http_session()
    attempts = [
        ("control probe_fresh", {"username": "probe_fresh", "email": "probe_fresh@example.com"}, 201),
        ("DEMO_PLUS", {"username": "DEMO_PLUS", "email": "probe9a@example.com"}, 400),
        ("r\u043e\u043et (Cyrillic o)", {"username": "r\u043e\u043et", "email": "probe9b@example.com"}, 400),
        ("ROOT@example.com", {"username": "probe9c", "email": "ROOT@example.com"}, 400),
    ]
    parts, statuses = [], []
    for n, (label, data, _) in enumerate(attempts):
        response = session.post(
            base + SIGNUP,
            json={**data, "phone": f"+98936{n:07d}", "password": f"Pw-{secrets.token_urlsafe(12)}"},
            timeout=TIMEOUT,
        )
        parts.append(f"{label} {refusal(response)}")
        statuses.append(response.status_code)
    refused = statuses[1:] == [expected for *_, expected in attempts[1:]]
    return Row(
        "9",
        "Case and script duplicates",
        f"POST {SIGNUP}: a fresh name (control), DEMO_PLUS beside demo_plus, r\u043e\u043et beside root,"
        " ROOT@example.com beside root@example.com",
        "; ".join(parts),
        refused if statuses[0] == 201 else None,  # the control refused: the probe's data is wrong
    )


def probe_phone_change(base: str) -> Row:
    user = customer("probe_phone")
    access = issue_tokens(user)["access"]
    before = user.phone
    response = http_session().patch(
        f"{base}/api/v1/users/{user.pk}/", json={"phone": "+989120009999"}, headers=bearer(access), timeout=TIMEOUT
    )
    user.refresh_from_db()
    changed = user.phone != before
    return Row(
        "10",
        "Phone change without password",
        f"PATCH /api/v1/users/{user.pk}/ {{'phone': '+989120009999'}} with a bearer access token only",
        f"{refusal(response)}; phone in the database"
        f" {'changed ' + before + ' -> ' + user.phone if changed else 'unchanged (' + before + ')'}",
        400 <= response.status_code < 500 and not changed,
    )
