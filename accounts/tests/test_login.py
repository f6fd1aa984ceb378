"""The two-step login over the API: password, then the code the console SMS backend prints (R21, R22, R26)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from accounts.exceptions import ChallengeExpired, InvalidCode
from accounts.models import SmsDevice
from accounts.services import start_login, verify_login
from accounts.tests.conftest import PASSWORD, bearer, sms_codes
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


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
