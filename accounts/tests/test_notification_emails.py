"""R39 with R40: the e-mail of every notification kind, in English and in Persian.

Each kind has its own subject and templates (``templates/notifications/email/<kind>.txt`` and
``.html``); the message is inside both bodies, with a greeting by name, absolute links
(settings.SITE_URL) and the time it was written, Jalali with Persian digits in Persian.
"""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.template.loader import get_template

from accounts.emails import SUBJECTS, notification_email
from accounts.models import Notification, Tier, User

pytestmark = pytest.mark.django_db

KINDS = list(Notification.Kind)
WRITTEN = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)  # 14:00 in Tehran; 1405/09/11 in the Jalali calendar
LATIN_DIGIT = re.compile(r"[0-9]")
MESSAGES = {"en": "“Blind Owl” & co: 3,000 toman <today>.", "fa": "«بوف کور» و دیگران: ۳٬۰۰۰ تومان <امروز>."}


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.html_attrs: dict[str, str | None] = {}
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.html_attrs = dict(attrs)
        if tag == "a":
            self.links.append(dict(attrs)["href"])

    def handle_data(self, data):
        self.text.append(data)


def parsed(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


@pytest.fixture
def user(make_customer) -> User:
    user = make_customer(Tier.PLUS, user__first_name="Sara", user__last_name="Karimi").user
    User.objects.filter(pk=user.pk).update(notify_by_email=True)
    return user


def email_for(user: User, kind: str, language: str):
    User.objects.filter(pk=user.pk).update(language=language)
    user.refresh_from_db()
    notification = Notification.objects.create(user=user, kind=kind, message=MESSAGES[language], created_at=WRITTEN)
    return notification_email(notification)


def test_every_kind_has_a_subject_and_both_templates_R39():
    assert set(SUBJECTS) == set(Notification.Kind)
    for kind in KINDS:
        get_template(f"notifications/email/{kind}.txt")
        get_template(f"notifications/email/{kind}.html")


@pytest.mark.parametrize("kind", KINDS)
def test_english_email_of_every_kind_R39(user, kind, settings):
    settings.SITE_URL = "https://books.example.com"
    email = email_for(user, kind, "en")
    assert email.subject == str(SUBJECTS[kind]) and "\n" not in email.subject
    assert email.to == [user.email]
    assert email.body.startswith("Hello Sara Karimi,\n\n“Blind Owl” & co: 3,000 toman <today>.\n")  # not escaped
    assert "Written 2026-12-02 14:00." in email.body
    (html, mimetype), *_ = email.alternatives
    assert mimetype == "text/html"
    tags = parsed(html)
    assert tags.html_attrs == {"dir": "ltr", "lang": "en"}
    text = " ".join("".join(tags.text).split())
    assert "Hello Sara Karimi," in text and MESSAGES["en"] in text and email.subject in text
    assert "&lt;today&gt;" in html  # the message is escaped in the HTML
    assert all(link.startswith("https://books.example.com/") for link in tags.links), tags.links
    assert "https://books.example.com/accounts/notifications/" in tags.links
    assert "All your notifications: https://books.example.com/accounts/notifications/" in email.body


@pytest.mark.parametrize("kind", KINDS)
def test_persian_email_of_every_kind_is_rtl_with_persian_digits_R39_R40(user, kind):
    email = email_for(user, kind, "fa")
    with_english = email_for(user, kind, "en")
    assert email.subject != with_english.subject and email.subject  # translated
    assert email.body.startswith(f"سلام Sara Karimi،\n\n{MESSAGES['fa']}\n")
    assert "نوشته‌شده در ۱۴۰۵/۰۹/۱۱ ۱۴:۰۰." in email.body  # Jalali, Persian digits
    (html, _), *_ = email.alternatives
    tags = parsed(html)
    assert tags.html_attrs == {"dir": "rtl", "lang": "fa"}
    text = " ".join("".join(tags.text).split())
    assert MESSAGES["fa"] in text and email.subject in text and "نوشته‌شده در ۱۴۰۵/۰۹/۱۱ ۱۴:۰۰." in text
    assert not LATIN_DIGIT.search(text), text  # every number the e-mail writes is in Persian digits
    assert not LATIN_DIGIT.search(email.subject)
    assert not re.search(r"\b(Hello|Written|notifications|See|your)\b", text), text  # no English left


def test_each_kind_links_to_its_page_R39(user, settings):
    settings.SITE_URL = "http://shop.test:8000"
    expected = {
        Notification.Kind.PROMOTED: "/reservations/",
        Notification.Kind.ENDING_SOON: "/reservations/",
        Notification.Kind.SUBSCRIPTION_ENDED: "/subscription/",
        Notification.Kind.WALLET_SHORT: "/wallet/",
        Notification.Kind.ORDER_CANCELLED: "/orders/",
        Notification.Kind.WISHED_IN_STOCK: "/wishlist/",
    }
    for kind, path in expected.items():
        email = email_for(user, kind, "en")
        first_link = parsed(email.alternatives[0][0]).links[0]
        assert first_link == f"http://shop.test:8000{path}", kind
        assert f": http://shop.test:8000{path}\n" in email.body, kind


def test_the_name_falls_back_to_the_username_R39(make_customer):
    user = make_customer(Tier.PLUS).user
    email = notification_email(Notification.objects.create(user=user, kind="renewed", message="Renewed."))
    assert email.body.startswith(f"Hello {user.username},\n")
