"""Reservations in Persian: my reservations page, the API's refusals and the notifications.

Pages and the API speak the request's language (``Accept-Language: fa``); a notification
speaks its recipient's (``User.language``), whoever's request caused it: a Jalali date,
Persian digits, «تومان».

Implements R40.
"""

from datetime import timedelta

import pytest
from django.utils import translation

from accounts.models import Notification, Tier
from accounts.tests.conftest import text_of
from core.formatting import local_time
from reservations.models import EndReason, Status
from reservations.services import reserve, return_reservation
from reservations.tests.conftest import URL

pytestmark = pytest.mark.django_db

FA = {"HTTP_ACCEPT_LANGUAGE": "fa"}


def jalali(moment) -> str:
    with translation.override("fa"):
        return local_time(moment)


def test_my_reservations_shows_an_active_loan_with_its_jalali_end(client, make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=10_000)
    loan = reserve(customer=customer, book=make_book(title="سووشون"), days=3, now=now)
    client.force_login(customer.user)
    response = client.get("/reservations/", **FA)
    assert response.status_code == 200
    text = text_of(response)
    assert jalali(loan.ends_at).startswith("۱۴")  # the Jalali year, in Persian digits
    assert jalali(loan.ends_at) in text and jalali(loan.starts_at) in text
    assert "اکنون در امانت" in text and "۳٬۰۰۰ تومان" in text and "بازگرداندن" in text
    assert "On loan now" not in text and "toman" not in text


def test_a_queue_place_and_its_wait_read_in_persian(client, make_customer, make_book, now):
    book = make_book(units=1, title="کلیدر")
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=5, now=now)
    me = make_customer(Tier.PLUS, balance=10_000)
    reserve(customer=me, book=book, days=2, now=now)
    client.force_login(me.user)
    text = text_of(client.get("/reservations/", **FA))
    assert "در صف" in text and "۲ روز" in text and "حدود ۵ روز" in text and "خروج از صف" in text


def test_a_refused_reserve_answers_a_persian_detail_and_the_same_code(client_for, make_customer, make_book):
    free = make_customer(Tier.FREE, balance=50_000)
    response = client_for(free.user).post(URL, {"book": make_book().pk, "days": 1}, format="json", **FA)
    assert response.status_code == 403
    assert response.json() == {
        "detail": "برای رزرو کردن به اشتراک پلاس یا پریمیوم نیاز دارید.",
        "code": "subscription_required",
    }


def test_a_promotion_is_told_in_the_language_of_its_recipient(make_customer, make_book, now):
    book = make_book(units=1, title="کلیدر")
    holder = make_customer(Tier.PLUS, balance=10_000)  # no language chosen: the site's, English in tests
    loan = reserve(customer=holder, book=book, days=5, now=now)
    reader = make_customer(Tier.PLUS, balance=10_000, user__language="fa")
    entry = reserve(customer=reader, book=book, days=2, now=now)
    returned_at = now + timedelta(hours=1)
    return_reservation(customer=holder, reservation=loan, now=returned_at)
    entry.refresh_from_db()
    assert entry.status == Status.ACTIVE
    notice = Notification.objects.get(user=reader.user, kind=Notification.Kind.PROMOTED)
    assert notice.message == (
        f"نوبت به شما رسید: «کلیدر» تا {jalali(entry.ends_at)} در امانت شماست؛ ۲٬۰۰۰ تومان از کیف پولتان کسر شد."
    )


def test_a_drop_is_told_in_persian_with_its_reason(make_customer, make_book, now):
    book = make_book(units=1, title="کلیدر")
    holder = make_customer(Tier.PLUS, balance=10_000)
    loan = reserve(customer=holder, book=book, days=5, now=now)
    reader = make_customer(Tier.PLUS, balance=2_000, user__language="fa")
    entry = reserve(customer=reader, book=book, days=2, now=now)
    reserve(customer=reader, book=make_book(units=1), days=2, now=now)  # spends it all
    return_reservation(customer=holder, reservation=loan, now=now + timedelta(hours=1))
    entry.refresh_from_db()
    assert entry.status == Status.DROPPED and entry.end_reason == EndReason.INSUFFICIENT_FUNDS
    notice = Notification.objects.get(user=reader.user, kind=Notification.Kind.DROPPED)
    assert notice.message == "نوبت شما در صف «کلیدر» حذف شد: کافی نبودن موجودی کیف پول هنگام رسیدن نوبت."
