"""My reservations page: loans, queue places and waits, history; return and leave (R13–R16)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Tier
from accounts.tests.factories import AuthorFactory
from accounts.tests.test_pages import assert_page_basics, text_of
from reservations.models import Status
from reservations.services import reserve
from reservations.views import describe_wait

pytestmark = pytest.mark.django_db

TEHRAN = ZoneInfo("Asia/Tehran")


def tehran(moment) -> str:
    return moment.astimezone(TEHRAN).strftime("%Y-%m-%d %H:%M")


def test_page_needs_login_and_a_customer(client):
    response = client.get("/reservations/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/reservations/"
    client.force_login(AuthorFactory().user)
    assert client.get("/reservations/").status_code == 403


def test_shows_loans_with_their_end_in_tehran_time_and_a_return_button(client, make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=10_000)
    loan = reserve(customer=customer, book=make_book(title="Suvashun"), days=3, now=now)
    client.force_login(customer.user)
    response = client.get("/reservations/")
    assert response.status_code == 200
    html = assert_page_basics(response)
    assert "Suvashun" in html and tehran(loan.ends_at) in html and "3,000 toman" in html
    assert f'action="/reservations/{loan.pk}/return/"' in html


def test_shows_queue_place_estimated_wait_and_a_leave_button_R14(client, make_customer, make_book):
    now = timezone.now()
    book = make_book(units=1, title="Kelidar")
    holder = make_customer(Tier.PLUS, balance=10_000)
    loan = reserve(customer=holder, book=book, days=5, now=now)
    first = make_customer(Tier.PLUS, balance=10_000)
    reserve(customer=first, book=book, days=2, now=now)
    me = make_customer(Tier.PLUS, balance=10_000)
    mine = reserve(customer=me, book=book, days=2, now=now + timedelta(seconds=1))
    client.force_login(me.user)
    response = client.get("/reservations/")
    html = response.content.decode()
    row = html[html.index("Waiting in queues") :]
    assert "Kelidar" in row and '<td class="num" data-label="Place">2</td>' in row
    # Place 2 behind one copy: the holder's 5 days, then about the 2 days asked by the one ahead.
    assert "About 7 days" in text_of(response)
    assert tehran(loan.ends_at + timedelta(days=2)) in row
    assert f'action="/reservations/{mine.pk}/leave/"' in html


def test_premium_jumps_ahead_in_the_shown_place_R12(client, make_customer, make_book, now):
    book = make_book(units=1)
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=1, now=now)
    plus = make_customer(Tier.PLUS, balance=10_000)
    reserve(customer=plus, book=book, days=1, now=now)
    premium = make_customer(Tier.PREMIUM, balance=10_000)
    reserve(customer=premium, book=book, days=1, now=now + timedelta(seconds=5))
    client.force_login(plus.user)
    assert '<td class="num" data-label="Place">2</td>' in client.get("/reservations/").content.decode()
    client.force_login(premium.user)
    assert '<td class="num" data-label="Place">1</td>' in client.get("/reservations/").content.decode()


def test_history_lists_ended_reservations_with_their_outcome(client, make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=10_000)
    old = reserve(customer=customer, book=make_book(title="Animal Farm"), days=1, now=now - timedelta(days=10))
    client.force_login(customer.user)
    html = client.get("/reservations/").content.decode()  # past its end, not yet closed by the worker
    assert "Animal Farm" in html
    client.post(f"/reservations/{old.pk}/return/")
    old.refresh_from_db()
    assert old.status == Status.EXPIRED
    history = text_of(client.get("/reservations/")).split("History", 1)[1]
    assert "Animal Farm" in history and "Expired" in history and tehran(old.ended_at) in history


def test_a_loan_past_its_end_shows_as_back_without_a_return_button_R16(client, make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=10_000)
    loan = reserve(customer=customer, book=make_book(), days=1, now=now - timedelta(days=2))
    client.force_login(customer.user)
    response = client.get("/reservations/")
    assert "Time is up" in text_of(response) and "Back in the library" in text_of(response)
    assert f"/reservations/{loan.pk}/return/" not in response.content.decode()


def test_return_ends_the_loan_and_serves_the_queue_R15_R13(client, make_customer, make_book, now):
    book = make_book(units=1, title="Kelidar")
    customer = make_customer(Tier.PLUS, balance=10_000)
    loan = reserve(customer=customer, book=book, days=3, now=now)
    waiting = make_customer(Tier.PLUS, balance=10_000)
    queued = reserve(customer=waiting, book=book, days=2, now=now)
    client.force_login(customer.user)
    response = client.post(f"/reservations/{loan.pk}/return/")
    assert response.status_code == 302 and response["Location"] == "/reservations/"
    loan.refresh_from_db()
    queued.refresh_from_db()
    assert loan.status == Status.RETURNED and queued.status == Status.ACTIVE
    customer.refresh_from_db()
    assert customer.balance == 7_000  # no refund (R15)
    assert "You returned “Kelidar”" in text_of(client.get("/reservations/"))


def test_leave_the_queue_at_no_charge_R14(client, make_customer, make_book, now):
    book = make_book(units=1, title="Kelidar")
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=3, now=now)
    customer = make_customer(Tier.PLUS, balance=10_000)
    queued = reserve(customer=customer, book=book, days=2, now=now)
    client.force_login(customer.user)
    response = client.post(f"/reservations/{queued.pk}/leave/")
    assert response.status_code == 302
    queued.refresh_from_db()
    assert queued.status == Status.CANCELLED
    customer.refresh_from_db()
    assert customer.balance == 10_000
    text = text_of(client.get("/reservations/"))
    assert "You left the queue for “Kelidar”. Nothing was charged." in text
    assert "Customer left the queue" in text.split("History", 1)[1]


def test_leaving_an_active_loan_is_a_409_with_the_reason(client, make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=10_000)
    loan = reserve(customer=customer, book=make_book(), days=1, now=now)
    client.force_login(customer.user)
    response = client.post(f"/reservations/{loan.pk}/leave/")
    assert response.status_code == 409
    assert_page_basics(response)
    assert "return the book instead of leaving the queue" in text_of(response)


def test_returning_twice_is_a_409_with_the_reason(client, make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=10_000)
    loan = reserve(customer=customer, book=make_book(), days=1, now=now)
    client.force_login(customer.user)
    client.post(f"/reservations/{loan.pk}/return/")
    response = client.post(f"/reservations/{loan.pk}/return/")
    assert response.status_code == 409 and "This reservation is not active." in text_of(response)


def test_another_customers_reservation_is_404(client, make_customer, make_book, now):
    loan = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=make_book(), days=1, now=now)
    client.force_login(make_customer(Tier.PLUS).user)
    assert client.post(f"/reservations/{loan.pk}/return/").status_code == 404
    assert client.post(f"/reservations/{loan.pk}/leave/").status_code == 404
    loan.refresh_from_db()
    assert loan.status == Status.ACTIVE


def test_return_and_leave_need_post_and_csrf(make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=10_000)
    loan = reserve(customer=customer, book=make_book(), days=1, now=now)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(customer.user)
    assert strict.get(f"/reservations/{loan.pk}/return/").status_code == 405
    assert strict.post(f"/reservations/{loan.pk}/return/").status_code == 403
    loan.refresh_from_db()
    assert loan.status == Status.ACTIVE


def test_anonymous_return_goes_to_login_then_my_reservations(client):
    response = client.post("/reservations/1/return/")
    assert response["Location"] == "/accounts/login/?next=/reservations/"


@pytest.mark.parametrize(
    ("wait", "words"),
    [
        (None, "Unknown: the library has no copy of this book right now"),
        (timedelta(0), "Any moment now"),
        (timedelta(minutes=40), "Within the hour"),
        (timedelta(hours=5, minutes=1), "About 6 hours"),
        (timedelta(days=1), "About 1 day"),
        (timedelta(days=2, hours=3), "About 2 days 3 hours"),
    ],
)
def test_estimated_wait_in_words_R14(wait, words):
    assert describe_wait(wait) == words
