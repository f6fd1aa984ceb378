"""The accounts app in Persian (R40): forms, page messages, SMS texts and API errors.

A page or an API request that asks for Persian (``Accept-Language: fa``) reads Persian;
an SMS or a notification speaks the recipient's own language, whatever the request spoke.
The login code keeps its six Latin digits in Persian too, so it can be copied into the
form; the English texts are those the other tests read, unchanged.

Implements R40.
"""

import re

import pytest
from django.utils import translation

from accounts.contact_change import confirm_contact_change, start_contact_change
from accounts.exceptions import TooManyRequests
from accounts.forms import SignupForm
from accounts.models import Notification, Role, Tier
from accounts.services import start_login, verify_login
from accounts.tests.conftest import CODE_LINE, NEW_PHONE, OLD_PHONE, PASSWORD, text_of, texts
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FA = {"HTTP_ACCEPT_LANGUAGE": "fa"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
LATIN_CODE = re.compile(r"(?<![0-9])([0-9]{6})(?![0-9])")
PERSIAN_DIGITS = re.compile(r"[۰-۹]")


def signup_data(**changes) -> dict:
    data = {
        "role": Role.CUSTOMER,
        "username": "parisa",
        "email": "parisa@example.com",
        "phone": "+989121112233",
        "password": PASSWORD,
        "password_again": PASSWORD,
    }
    return {**data, **changes}


# --- Forms and pages ----------------------------------------------------------------------


def test_a_form_error_is_persian_in_persian_and_english_in_english_R40():
    with translation.override("fa"):
        form = SignupForm(signup_data(password_again="something else entirely"))
        assert not form.is_valid()
        assert form.errors["password_again"] == ["دو رمز عبور با هم یکسان نیستند."]
        assert form.fields["password_again"].label == "تکرار رمز عبور"
        assert form.fields["username"].label == "نام کاربری"
    with translation.override("en"):
        form = SignupForm(signup_data(password_again="something else entirely"))
        assert not form.is_valid()
        assert form.errors["password_again"] == ["The two passwords differ."]
        assert form.fields["password_again"].label == "Password again"


def test_the_signup_page_shows_its_field_error_in_persian_R40(client):
    response = client.post("/accounts/signup/", signup_data(phone="12"), **FA)
    assert response.status_code == 400
    assert "شماره تلفن را به شکل بین‌المللی E.164 وارد کنید" in text_of(response)


def test_a_page_message_is_persian_R40(client, capsys):
    UserFactory(username="parisa")
    response = client.post("/accounts/login/", {"username": "parisa", "password": PASSWORD}, follow=True, **FA)
    assert response.status_code == 200
    assert "یک کد ۶ رقمی به تلفن شما فرستادیم." in text_of(response)
    assert "We sent" not in text_of(response)


def test_the_same_page_message_in_english_is_unchanged_R40(client, capsys):
    UserFactory(username="parisa")
    response = client.post("/accounts/login/", {"username": "parisa", "password": PASSWORD}, follow=True, **EN)
    assert "We sent a 6-digit code to your phone." in text_of(response)


def test_labels_of_tiers_roles_and_notifications_are_persian_R40():
    with translation.override("fa"):
        assert (str(Tier.PLUS.label), str(Role.ADMIN.label), str(Role.AUTHOR.label)) == ("پلاس", "مدیر", "نویسنده")
        assert str(Notification.Kind.PROMOTED.label) == "نوبت در صف رسید"
    with translation.override("en"):
        assert (str(Tier.PLUS.label), str(Role.ADMIN.label)) == ("Plus", "Admin")


# --- SMS and notifications: the recipient's language ------------------------------------------


def test_the_login_code_in_persian_keeps_its_six_latin_digits_R40(capsys):
    user = UserFactory(username="parisa", language="fa")
    with translation.override("en"):  # the request spoke English; the SMS speaks the user's Persian
        challenge = start_login(username="parisa", password=PASSWORD)
    (line,) = capsys.readouterr().out.splitlines()
    assert "کد بوک‌استور شما" in line and "۲ دقیقه" in line
    assert not CODE_LINE.match(line)
    (code,) = LATIN_CODE.findall(line)
    assert not PERSIAN_DIGITS.search(code)
    assert verify_login(challenge=challenge.challenge, code=code) == user  # the copied code logs in


def test_the_login_code_in_english_is_unchanged_R40(capsys):
    UserFactory(username="parisa", language="en")
    with translation.override("fa"):
        start_login(username="parisa", password=PASSWORD)
    (line,) = capsys.readouterr().out.splitlines()
    assert CODE_LINE.match(line), line  # "Your Bookstore code is 123456. It expires in 2 minutes."


def test_the_old_phone_is_told_of_a_new_phone_in_persian_R40(capsys, django_capture_on_commit_callbacks):
    user = UserFactory(username="sara", email="sara@example.com", phone=OLD_PHONE, language="fa")
    challenge = start_contact_change(user=user, password=PASSWORD, phone=NEW_PHONE)
    ((to, message),) = texts(capsys)
    assert to == NEW_PHONE
    assert "۵ دقیقه" in message and "این شماره تلفن حساب شما می‌شود" in message
    (code,) = LATIN_CODE.findall(message)  # six Latin digits, to copy into the form
    with django_capture_on_commit_callbacks(execute=True):
        confirm_contact_change(user=user, change_id=challenge.change.pk, code=code)
    ((to, told),) = texts(capsys)
    assert to == OLD_PHONE
    assert told == (
        "شماره تلفن حساب بوک‌استور شما به +98…02 تغییر کرد. اگر این کار را شما انجام نداده‌اید، فوراً با ما تماس بگیرید."
    )


# --- The API: detail follows the language, code never changes --------------------------------


@pytest.mark.parametrize(
    ("headers", "detail"),
    [(FA, "نام کاربری یا رمز عبور درست نیست."), (EN, "The username or password is not correct.")],
)
def test_an_api_error_detail_is_in_the_asked_language_and_its_code_is_unchanged_R40(api_client, headers, detail):
    UserFactory(username="parisa")
    response = api_client.post(
        "/api/v1/auth/login/", {"username": "parisa", "password": "wrong"}, format="json", **headers
    )
    assert response.status_code == 401
    assert response.json() == {"detail": detail, "code": "invalid_credentials"}


def test_an_api_request_naming_no_language_speaks_the_users_one_R40(client_for):
    user = UserFactory(language="fa")
    response = client_for(user).patch(f"/api/v1/users/{user.pk}/", {"phone": NEW_PHONE}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert response.json()["errors"]["phone"][0].startswith("تلفن و ایمیل فقط با رمز عبور و یک کد تغییر می‌کنند")


def test_a_wait_in_persian_is_written_in_persian_digits_R40():
    with translation.override("fa"):
        assert TooManyRequests(retry_after=42).message == (
            "کدهای زیادی درخواست شده است. لطفاً ۴۲ ثانیهٔ دیگر دوباره تلاش کنید."
        )
    with translation.override("en"):
        assert TooManyRequests(retry_after=42).message == "Too many codes were requested. Try again in 42 seconds."
