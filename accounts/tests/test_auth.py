"""Signup, the two-step login with a console OTP, JWT rotation and revocation (R21, R22, R24, R26)."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from accounts.exceptions import ChallengeExpired, InvalidCode
from accounts.models import Role, SmsDevice, User
from accounts.rate_limits import RateLimited, SlidingWindowLimit, Window, otp_codes
from accounts.services import issue_tokens, register_user, start_login, verify_login
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
CODE_LINE = re.compile(r"^SMS to (\+\d+): Your Bookstore code is (\d{6})\. It expires in 2 minutes\.$")


def sms_codes(capsys) -> list[tuple[str, str]]:
    """The (phone, code) pairs the console SMS backend printed since the last call."""
    lines = capsys.readouterr().out.splitlines()
    return [match.groups() for line in lines if (match := CODE_LINE.match(line))]


def log_in(api_client, capsys, username: str, password: str = PASSWORD) -> dict:
    """Run both steps over the API and return the token pair."""
    response = api_client.post("/api/v1/auth/login/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.json()
    (_, code), *_ = sms_codes(capsys)
    response = api_client.post(
        "/api/v1/auth/verify-otp/", {"challenge": response.json()["challenge"], "code": code}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def bearer(api_client, token: str):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api_client


# --- Signup -----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.AUTHOR])
def test_signup_creates_user_with_profile(api_client, role):
    body = {"username": "nima", "email": "nima@example.com", "phone": "+989121234567", "password": PASSWORD}
    response = api_client.post("/api/v1/auth/signup/", {**body, "role": role}, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["username"] == "nima" and data["role"] == role
    assert "password" not in data
    profile = data["customer"] if role == Role.CUSTOMER else data["author"]
    assert profile["id"]
    if role == Role.CUSTOMER:
        assert data["customer"]["tier"] == "free" and data["customer"]["balance"] == 0
    assert User.objects.get(username="nima").check_password(PASSWORD)


def test_signup_cannot_make_an_admin(api_client):
    body = {"username": "x", "email": "x@example.com", "phone": "+989121234567", "password": PASSWORD}
    response = api_client.post("/api/v1/auth/signup/", {**body, "role": "admin"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "role" in response.json()["errors"]
    assert not User.objects.filter(username="x").exists()


def test_signup_duplicates_give_field_errors(api_client):
    UserFactory(username="taken", email="taken@example.com", phone="+989120000000")
    body = {"username": "taken", "email": "taken@example.com", "phone": "+989120000000", "password": PASSWORD}
    response = api_client.post("/api/v1/auth/signup/", body, format="json")
    assert response.status_code == 400
    assert {"username", "email", "phone"} <= set(response.json()["errors"])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "09121234567"),
        ("email", "not-an-email"),
        ("password", "12345678"),
        ("password", "nima"),
        ("username", "x" * 10_000),
        ("username", "spaces are not allowed"),
    ],
)
def test_signup_validates_each_field(api_client, field, value):
    body = {"username": "nima", "email": "nima@example.com", "phone": "+989121234567", "password": PASSWORD}
    response = api_client.post("/api/v1/auth/signup/", {**body, field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [
        ("{not json", "application/json"),
        ('["a", "list"]', "application/json"),
        ('{"username": 5, "email": [], "phone": {}, "password": null}', "application/json"),
        (
            '{"username": "a", "email": "a@example.com", "phone": "+989121234567", "password": "x", "is_staff": true}',
            "application/json",
        ),
        ("username=a", "application/x-www-form-urlencoded"),
    ],
)
def test_bad_signup_input_is_a_400_or_415_with_a_code_never_500(api_client, payload, content_type):
    response = api_client.generic("POST", "/api/v1/auth/signup/", payload, content_type=content_type)
    assert response.status_code in (400, 415)
    assert set(response.json()) >= {"detail", "code"}


# --- Login in two steps (R21) -----------------------------------------------------


def test_login_sends_one_sms_line_and_the_code_buys_tokens(api_client, capsys):
    user = UserFactory(username="sara", phone="+989121112233")
    response = api_client.post("/api/v1/auth/login/", {"username": "sara", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json()["expires_in"] == 120
    codes = sms_codes(capsys)
    assert len(codes) == 1 and codes[0][0] == "+989121112233"
    verify = api_client.post(
        "/api/v1/auth/verify-otp/", {"challenge": response.json()["challenge"], "code": codes[0][1]}, format="json"
    )
    assert verify.status_code == 200
    tokens = verify.json()
    assert AccessToken(tokens["access"])["user_id"] == str(user.pk)
    me = bearer(api_client, tokens["access"]).get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["username"] == "sara"


def test_wrong_username_and_wrong_password_get_the_same_answer(api_client, capsys):
    UserFactory(username="sara")
    wrong_password = api_client.post("/api/v1/auth/login/", {"username": "sara", "password": "nope"}, format="json")
    wrong_user = api_client.post("/api/v1/auth/login/", {"username": "nobody", "password": "nope"}, format="json")
    assert wrong_password.status_code == wrong_user.status_code == 401
    assert (
        wrong_password.json()
        == wrong_user.json()
        == {
            "detail": "The username or password is not correct.",
            "code": "invalid_credentials",
        }
    )
    assert sms_codes(capsys) == []


def test_inactive_user_cannot_log_in(api_client, capsys):
    UserFactory(username="gone", is_active=False)
    response = api_client.post("/api/v1/auth/login/", {"username": "gone", "password": PASSWORD}, format="json")
    assert response.status_code == 401 and response.json()["code"] == "invalid_credentials"
    assert sms_codes(capsys) == []


def test_code_works_once(api_client, capsys):
    UserFactory(username="sara")
    challenge = start_login(username="sara", password=PASSWORD).challenge
    (_, code), *_ = sms_codes(capsys)
    first = api_client.post("/api/v1/auth/verify-otp/", {"challenge": challenge, "code": code}, format="json")
    again = api_client.post("/api/v1/auth/verify-otp/", {"challenge": challenge, "code": code}, format="json")
    assert first.status_code == 200
    assert again.status_code == 401 and again.json()["code"] == "challenge_expired"


def test_code_lives_two_minutes(capsys):
    UserFactory(username="sara")
    now = timezone.now()
    challenge = start_login(username="sara", password=PASSWORD, now=now).challenge
    (_, code), *_ = sms_codes(capsys)
    with pytest.raises(ChallengeExpired):
        verify_login(challenge=challenge, code=code, now=now + timedelta(minutes=2))
    # Still usable one second earlier: a fresh code checked just in time.
    challenge = start_login(username="sara", password=PASSWORD, now=now).challenge
    (_, code), *_ = sms_codes(capsys)
    assert verify_login(challenge=challenge, code=code, now=now + timedelta(seconds=119)).username == "sara"


def test_five_wrong_tries_burn_the_code(api_client, capsys):
    UserFactory(username="sara")
    challenge = start_login(username="sara", password=PASSWORD).challenge
    (_, code), *_ = sms_codes(capsys)
    wrong = "000000" if code != "000000" else "111111"
    answers = [
        api_client.post("/api/v1/auth/verify-otp/", {"challenge": challenge, "code": wrong}, format="json")
        for _ in range(5)
    ]
    assert [a.status_code for a in answers] == [401] * 5
    assert [a.json().get("attempts_left") for a in answers[:4]] == [4, 3, 2, 1]
    assert answers[3].json()["code"] == "invalid_code"
    assert answers[4].json()["code"] == "challenge_expired"
    right = api_client.post("/api/v1/auth/verify-otp/", {"challenge": challenge, "code": code}, format="json")
    assert right.status_code == 401 and right.json()["code"] == "challenge_expired"


def test_a_new_code_replaces_the_old_challenge(capsys):
    UserFactory(username="sara")
    old = start_login(username="sara", password=PASSWORD).challenge
    (_, old_code), *_ = sms_codes(capsys)
    new = start_login(username="sara", password=PASSWORD).challenge
    (_, new_code), *_ = sms_codes(capsys)
    with pytest.raises(ChallengeExpired):
        verify_login(challenge=old, code=old_code)
    assert verify_login(challenge=new, code=new_code).username == "sara"


def test_wrong_code_reports_attempts_left():
    user = UserFactory(username="sara")
    device = SmsDevice.objects.create(user=user, name="SMS")
    code = device.issue(now=timezone.now())
    with pytest.raises(InvalidCode) as error:
        verify_login(challenge=device.challenge, code="000000" if code != "000000" else "111111")
    assert error.value.extra == {"attempts_left": 4}


@pytest.mark.parametrize(
    "body",
    [{"challenge": "x", "code": "12345"}, {"challenge": "x", "code": "abcdef"}, {"challenge": "x"}, {"code": "123456"}],
)
def test_malformed_verify_is_400(api_client, body):
    response = api_client.post("/api/v1/auth/verify-otp/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_unknown_challenge_is_refused(api_client):
    response = api_client.post("/api/v1/auth/verify-otp/", {"challenge": "nope", "code": "123456"}, format="json")
    assert response.status_code == 401 and response.json()["code"] == "challenge_expired"


# --- Code limits in the shared cache (R21) ----------------------------------------


def test_the_cache_is_the_real_redis_when_configured():
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set (make test sets it)")
    from django.core.cache import caches
    from django_redis.cache import RedisCache

    assert isinstance(caches["default"], RedisCache)
    cache.set("probe", 1)
    assert cache.get("probe") == 1


def test_sixth_code_in_two_minutes_is_429_with_retry_after(api_client, capsys):
    UserFactory(username="sara")
    for _ in range(5):
        response = api_client.post("/api/v1/auth/login/", {"username": "sara", "password": PASSWORD}, format="json")
        assert response.status_code == 200
    response = api_client.post("/api/v1/auth/login/", {"username": "sara", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_requests"
    assert 1 <= int(response["Retry-After"]) <= 120
    assert response.json()["retry_after"] == int(response["Retry-After"])
    assert len(sms_codes(capsys)) == 5


def test_limits_count_per_user_in_sliding_windows():
    t0 = 1_000_000.0
    for i in range(5):
        otp_codes.hit("u1", now=t0 + i)
    otp_codes.hit("u2", now=t0 + 5)  # another user has their own count
    with pytest.raises(RateLimited) as limited:
        otp_codes.hit("u1", now=t0 + 10)
    assert limited.value.retry_after == 110  # when the first of the five leaves the window
    otp_codes.hit("u1", now=t0 + 120.5)  # the oldest left the 2-minute window
    for i in range(4):
        otp_codes.hit("u1", now=t0 + 600 + i)
    with pytest.raises(RateLimited) as limited:
        otp_codes.hit("u1", now=t0 + 1300)  # ten in the last hour already
    assert limited.value.retry_after == 2300  # the first code leaves the hour at t0 + 3600
    otp_codes.hit("u1", now=t0 + 3600.5)


def test_refused_requests_do_not_count():
    limit = SlidingWindowLimit("probe", Window(limit=1, seconds=60))
    limit.hit("a", now=0.0)
    for second in range(1, 50):
        with pytest.raises(RateLimited):
            limit.hit("a", now=float(second))
    limit.hit("a", now=60.5)


def test_limits_hold_across_processes(tmp_path):
    """Another process hitting the same shared cache uses up the same allowance."""
    import os
    import subprocess
    import sys

    if not settings.REDIS_URL:
        pytest.skip("needs the shared Redis (make test sets REDIS_URL)")
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    # The child uses this test's key prefix, as another process of the same site would.
    script = (
        "import os, django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'bookstore.settings')\n"
        "from django.conf import settings\n"
        f"settings.CACHES['default']['KEY_PREFIX'] = {prefix!r}\n"
        "django.setup()\n"
        "from accounts.rate_limits import otp_codes\n"
        "for _ in range(5): otp_codes.hit('shared-user')\n"
    )
    env = {**os.environ, "REDIS_URL": settings.REDIS_URL}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, cwd=settings.BASE_DIR)
    with pytest.raises(RateLimited):
        otp_codes.hit("shared-user")


# --- JWT: rotation, logout, expiry (R22) ------------------------------------------


def test_refresh_rotates_and_the_old_refresh_is_spent(api_client):
    user = UserFactory()
    tokens = issue_tokens(user)
    first = api_client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert first.status_code == 200
    assert set(first.json()) == {"access", "refresh"} and first.json()["refresh"] != tokens["refresh"]
    newer = api_client.post("/api/v1/auth/refresh/", {"refresh": first.json()["refresh"]}, format="json")
    assert newer.status_code == 200
    # A replay of a spent token ends the login (accounts/tests/test_refresh_families.py).
    replay = api_client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert replay.status_code == 401 and replay.json()["code"] == "token_reused"


def test_logout_blacklists_the_refresh_token(api_client):
    user = UserFactory()
    tokens = issue_tokens(user)
    response = bearer(api_client, tokens["access"]).post(
        "/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert response.status_code == 204
    api_client.credentials()
    refused = api_client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert refused.status_code == 401


def test_logout_with_someone_elses_refresh_is_refused(api_client):
    mine, theirs = issue_tokens(UserFactory()), issue_tokens(UserFactory())
    response = bearer(api_client, mine["access"]).post(
        "/api/v1/auth/logout/", {"refresh": theirs["refresh"]}, format="json"
    )
    assert response.status_code == 401 and response.json()["code"] == "token_not_valid"


def test_logout_needs_authentication(api_client):
    response = api_client.post("/api/v1/auth/logout/", {"refresh": "x"}, format="json")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_expired_and_garbage_access_tokens_are_401(api_client):
    user = UserFactory()
    expired = AccessToken.for_user(user)
    expired.set_exp(from_time=timezone.now() - timedelta(hours=1), lifetime=timedelta(minutes=5))
    for token in (str(expired), "garbage"):
        response = bearer(api_client, token).get("/api/v1/me/")
        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"


# --- Revocation (R24) -------------------------------------------------------------


def test_admin_revokes_access_refresh_and_sessions_of_a_user(api_client, client, client_for):
    admin = UserFactory(role=Role.ADMIN)
    victim = register_user(username="vic", email="vic@example.com", phone="+989121110000", password=PASSWORD)
    tokens = issue_tokens(victim)
    client.force_login(victim)
    assert client.get("/accounts/login/").wsgi_request.user.is_authenticated

    response = client_for(admin).post(f"/api/v1/admin/users/{victim.pk}/revoke-tokens/")
    assert response.status_code == 204

    refused = bearer(api_client, tokens["access"]).get("/api/v1/me/")
    assert refused.status_code == 401 and refused.json()["code"] == "token_revoked"
    api_client.credentials()
    refresh = api_client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert refresh.status_code == 401
    assert not client.get("/accounts/login/").wsgi_request.user.is_authenticated

    # Tokens issued after the revocation, even within the same second, work.
    fresh = issue_tokens(User.objects.get(pk=victim.pk))
    assert bearer(api_client, fresh["access"]).get("/api/v1/me/").status_code == 200


def test_revoking_an_admin_is_403(client_for):
    admin, other_admin = UserFactory(role=Role.ADMIN), UserFactory(role=Role.ADMIN)
    response = client_for(admin).post(f"/api/v1/admin/users/{other_admin.pk}/revoke-tokens/")
    assert response.status_code == 403 and response.json()["code"] == "cannot_revoke_admin"
    other_admin.refresh_from_db()
    assert other_admin.tokens_revoked_at is None


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.AUTHOR])
def test_only_admins_revoke(client_for, role):
    target = UserFactory()
    response = client_for(UserFactory(role=role)).post(f"/api/v1/admin/users/{target.pk}/revoke-tokens/")
    assert response.status_code == 403


def test_revoking_an_unknown_user_is_404(client_for):
    response = client_for(UserFactory(role=Role.ADMIN)).post("/api/v1/admin/users/999999/revoke-tokens/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_revocation_check_costs_no_query_beyond_the_user_row(api_client, django_assert_num_queries):
    admin = UserFactory(role=Role.ADMIN)  # an admin's /me/ has no profile to read
    bearer(api_client, issue_tokens(admin)["access"])
    with django_assert_num_queries(1):  # the user row, which also carries the cut-off
        assert api_client.get("/api/v1/me/").status_code == 200


def test_password_change_ends_every_token(api_client, capsys):
    register_user(username="pw", email="pw@example.com", phone="+989121119999", password=PASSWORD)
    tokens = log_in(api_client, capsys, "pw")
    bearer(api_client, tokens["access"])
    response = api_client.post(
        "/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": "another fine passphrase"}, format="json"
    )
    assert response.status_code == 204
    assert api_client.get("/api/v1/me/").status_code == 401
    api_client.credentials()
    assert log_in(api_client, capsys, "pw", "another fine passphrase")["access"]


def test_password_change_checks_the_old_password(client_for):
    response = client_for(UserFactory()).post(
        "/api/v1/auth/password/", {"old_password": "wrong", "new_password": "another fine passphrase"}, format="json"
    )
    assert response.status_code == 400 and "old_password" in response.json()["errors"]
