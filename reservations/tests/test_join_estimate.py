"""The book page tells the wait before joining a queue (R14, R12; issue 17's rough edges)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Tier
from accounts.tests.conftest import text_of
from accounts.tests.factories import AuthorFactory
from reservations.selectors import queue_place, wait_if_joined
from reservations.services import reserve

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(make_customer, make_book):
    """One copy held for 3 days, and a Plus reader queued for 2 days."""
    now = timezone.now()
    book = make_book(units=1, title="Kelidar")
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=3, now=now)
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=2, now=now)
    return book, now


def test_a_newcomer_stands_behind_everyone_of_their_priority_or_better_R12(busy, make_customer):
    book, now = busy
    plus, premium = make_customer(Tier.PLUS, balance=10_000), make_customer(Tier.PREMIUM, balance=10_000)
    later = now + timedelta(minutes=1)
    assert wait_if_joined(book, later, plus).position == 2
    assert wait_if_joined(book, later, None).position == 2  # a visitor counts as without priority
    assert wait_if_joined(book, later, premium).position == 1


def test_the_estimate_before_joining_is_the_one_shown_after_joining_R14(busy, make_customer):
    book, now = busy
    plus = make_customer(Tier.PLUS, balance=10_000)
    later = now + timedelta(minutes=1)
    before = wait_if_joined(book, later, plus)
    joined = reserve(customer=plus, book=book, days=2, now=later)
    after = queue_place(joined, later)
    assert (before.position, before.estimated_wait) == (after.position, after.estimated_wait)
    assert before.estimated_wait == timedelta(days=5) - timedelta(minutes=1)  # 3 days, then the 2 asked ahead


def test_the_book_page_tells_a_customer_their_place_and_wait_before_joining(client, busy, make_customer):
    book, _ = busy
    client.force_login(make_customer(Tier.PLUS, balance=10_000).user)
    text = text_of(client.get(reverse("book-detail", args=[book.pk])))
    assert "If you join now you are number 2 in line. Estimated wait: about 5 days." in text


def test_a_visitor_sees_the_daily_price_and_the_wait_a_newcomer_would_have(client, busy):
    book, _ = busy
    text = text_of(client.get(reverse("book-detail", args=[book.pk])))
    assert "a loan costs 1,000 toman a day" in text
    assert "A reader joining the queue now would be number 2 in line. Estimated wait: about 5 days." in text


def test_a_free_copy_shows_no_estimate_and_an_author_none(client, make_book, busy):
    free = make_book(units=2, title="Free")
    assert "Estimated wait" not in text_of(client.get(reverse("book-detail", args=[free.pk])))
    client.force_login(AuthorFactory().user)
    assert "Estimated wait" not in text_of(client.get(reverse("book-detail", args=[busy[0].pk])))


def test_the_days_menu_starts_at_a_short_loan_not_the_dearest(client, make_customer, make_book):
    """Issue 17: it started at the tier's most expensive choice (7 days for Plus)."""
    client.force_login(make_customer(Tier.PLUS, balance=10_000).user)
    html = client.get(reverse("book-detail", args=[make_book(units=1).pk])).content.decode()
    assert '<option value="3" selected>' in html and '<option value="7">' in html
