"""R31's wait range on the pages: the book page before joining and my reservations, in English and Persian."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Tier
from accounts.tests.conftest import text_of
from core.formatting import day_range
from reservations.estimates import book_expected_between, queued_expected_between
from reservations.selectors import reservation_list
from reservations.services import reserve

pytestmark = pytest.mark.django_db

EN, FA = {"HTTP_ACCEPT_LANGUAGE": "en"}, {"HTTP_ACCEPT_LANGUAGE": "fa"}
JALALI_MONTHS = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")


def noon(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 9, tzinfo=UTC)  # 12:30 in Tehran


def said(span, language: str) -> str:
    with translation.override(language):
        return day_range(*span)


def test_day_range_names_the_month_once_both_months_or_both_years_R31_R40():
    with translation.override("en"):
        assert day_range(noon(2026, 12, 24), noon(2026, 12, 27)) == "between 24 and 27 December"
        assert day_range(noon(2026, 11, 30), noon(2026, 12, 3)) == "between 30 November and 3 December"
        assert day_range(noon(2026, 12, 30), noon(2027, 1, 2)) == "between 30 December 2026 and 2 January 2027"
        assert day_range(noon(2026, 12, 24), noon(2026, 12, 24)) == "on 24 December"
    with translation.override("fa"):
        assert day_range(noon(2026, 12, 24), noon(2026, 12, 27)) == "بین ۳ و ۶ دی"
        assert day_range(noon(2026, 12, 20), noon(2026, 12, 24)) == "بین ۲۹ آذر و ۳ دی"
        assert day_range(noon(2027, 3, 19), noon(2027, 3, 23)) == "بین ۲۸ اسفند ۱۴۰۵ و ۳ فروردین ۱۴۰۶"


def test_the_book_page_tells_a_plus_customer_their_range_before_joining_in_english_R31(
    client, occupied_book, make_customer
):
    book, _, _ = occupied_book
    customer = make_customer(Tier.PLUS, balance=10_000)
    client.force_login(customer.user)
    text = text_of(client.get(reverse("book-detail", args=[book.pk]), **EN))
    span = book_expected_between(book, timezone.now())["plus"]
    assert f"A copy should reach you {said(span, 'en')}." in text


def test_the_book_page_in_persian_gives_jalali_days_in_persian_digits_R31_R40(client, occupied_book, make_customer):
    book, _, _ = occupied_book
    customer = make_customer(Tier.PREMIUM, balance=10_000)
    client.force_login(customer.user)
    text = text_of(client.get(reverse("book-detail", args=[book.pk]), **FA))
    span = book_expected_between(book, timezone.now())["premium"]
    words = said(span, "fa")
    assert f"نسخه‌ای باید {words} به شما برسد." in text
    assert any(month in words for month in JALALI_MONTHS)
    assert not any(digit in words for digit in "0123456789")


def test_a_visitor_sees_both_tiers_and_a_free_copy_no_range_R31(client, occupied_book, make_book):
    book, _, _ = occupied_book
    ranges = book_expected_between(book, timezone.now())
    text = text_of(client.get(reverse("book-detail", args=[book.pk]), **EN))
    assert (
        f"A copy should reach a new Plus reader {said(ranges['plus'], 'en')}, "
        f"a new Premium reader {said(ranges['premium'], 'en')}." in text
    )
    assert "A copy should reach" not in text_of(client.get(reverse("book-detail", args=[make_book(units=1).pk]), **EN))


def test_my_reservations_shows_each_queued_rows_range_in_both_languages_R31(client, occupied_book, make_customer, now):
    book, _, _ = occupied_book
    customer = make_customer(Tier.PLUS, balance=10_000)
    reserve(customer=customer, book=book, days=2, now=now)
    client.force_login(customer.user)
    english = text_of(client.get(reverse("my-reservations"), **EN))
    persian = text_of(client.get(reverse("my-reservations"), **FA))
    (span,) = queued_expected_between(list(reservation_list(customer=customer)), timezone.now()).values()
    assert f"A copy should come {said(span, 'en')}" in english
    assert f"نسخه‌ای باید {said(span, 'fa')} برسد" in persian
