"""Renewing from my reservations (R29): the control of each loan, the action and its refusals."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from accounts.models import Notification, Tier
from accounts.tests.test_pages import assert_page_basics, text_of
from reservations.models import Reservation, Status
from reservations.renewals import renew
from reservations.services import reserve
from reservations.tests.conftest import DAY
from reservations.tests.test_persian_pages import FA

pytestmark = pytest.mark.django_db


def renew_action(loan) -> str:
    return f'action="/reservations/{loan.pk}/renew/"'


@pytest.fixture
def loan(plus, make_book, now):
    return reserve(customer=plus, book=make_book(units=1, title="Suvashun"), days=3, now=now)


def test_a_running_loan_shows_a_renew_form_with_the_price_of_each_choice_R29(client, plus, loan):
    client.force_login(plus.user)
    response = client.get("/reservations/")
    html = assert_page_basics(response)
    assert renew_action(loan) in html
    assert f'<label for="id_renew_{loan.pk}_days">Renew for' in html
    assert f'id="id_renew_{loan.pk}_days"' in html
    assert "1 day · 1,000 toman" in html and "7 days · 7,000 toman" in html and "8 days" not in html
    assert "Not renewed yet, 2 renewals left" in text_of(response)


def test_renewing_extends_the_loan_and_says_until_when_R29(client, plus, loan):
    client.force_login(plus.user)
    response = client.post(f"/reservations/{loan.pk}/renew/", {"days": 2})
    assert response.status_code == 302 and response["Location"] == "/reservations/"
    loan.refresh_from_db()
    assert (loan.days, loan.renewals, loan.price) == (5, 1, 5_000)
    assert Notification.objects.filter(user=plus.user, kind=Notification.Kind.RENEWED).exists()
    text = text_of(client.get("/reservations/"))
    assert "“Suvashun” is renewed: it is yours until" in text
    assert "Renewed 1 time, 1 renewal left" in text


def test_after_two_renewals_the_control_gives_way_to_the_reason_R29(client, plus, loan, now):
    renew(customer=plus, reservation=loan, days=1, now=now)
    renew(customer=plus, reservation=loan, days=1, now=now)
    client.force_login(plus.user)
    response = client.get("/reservations/")
    assert renew_action(loan) not in response.content.decode()
    text = text_of(response)
    assert "Renewed 2 times" in text and "the most a loan allows" in text


def test_a_waiting_reader_hides_the_control_with_the_reason_R29(client, plus, loan, make_customer, now):
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=loan.book, days=2, now=now)
    client.force_login(plus.user)
    response = client.get("/reservations/")
    assert renew_action(loan) not in response.content.decode()
    assert "Someone is waiting for this book, so the loan cannot be renewed." in text_of(response)


def test_a_paused_place_leaves_the_control_R29_R30(client, plus, loan, make_customer, now):
    Reservation.objects.create(
        customer=make_customer(Tier.PLUS), book=loan.book, days=2, status=Status.QUEUED, paused_until=now + 3 * DAY
    )
    client.force_login(plus.user)
    assert renew_action(loan) in client.get("/reservations/").content.decode()


def test_a_refusal_goes_back_with_its_reason_R29(client, plus, loan, make_customer, now):
    client.force_login(plus.user)
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=loan.book, days=2, now=now)  # after the page
    response = client.post(f"/reservations/{loan.pk}/renew/", {"days": 2})
    assert response.status_code == 302 and response["Location"] == "/reservations/"
    assert "Someone is waiting for this book" in text_of(client.get("/reservations/"))
    loan.refresh_from_db()
    assert loan.renewals == 0


@pytest.mark.parametrize(("days", "words"), [("", "Choose the number of days."), ("9", "Days must be from 1 to 7")])
def test_bad_days_go_back_with_the_reason_R4(client, plus, loan, days, words):
    client.force_login(plus.user)
    assert client.post(f"/reservations/{loan.pk}/renew/", {"days": days})["Location"] == "/reservations/"
    assert words in text_of(client.get("/reservations/"))
    loan.refresh_from_db()
    assert loan.renewals == 0


def test_a_short_wallet_goes_to_the_charge_page_with_the_shortfall_R11(client, make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=4_000)
    loan = reserve(customer=customer, book=make_book(units=1), days=3, now=now)  # 1,000 left
    client.force_login(customer.user)
    response = client.post(f"/reservations/{loan.pk}/renew/", {"days": 3})
    target = urlparse(response["Location"])
    assert target.path == "/wallet/"
    assert parse_qs(target.query)["next"] == ["/reservations/"]
    assert int(parse_qs(target.query)["amount"][0]) >= 2_000
    loan.refresh_from_db()
    assert loan.renewals == 0


def test_another_customers_loan_is_404(client, loan, make_customer):
    client.force_login(make_customer(Tier.PLUS, balance=10_000).user)
    assert client.post(f"/reservations/{loan.pk}/renew/", {"days": 1}).status_code == 404


def test_renew_needs_post_and_csrf(plus, loan):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(plus.user)
    assert strict.get(f"/reservations/{loan.pk}/renew/").status_code == 405
    assert strict.post(f"/reservations/{loan.pk}/renew/", {"days": 1}).status_code == 403
    loan.refresh_from_db()
    assert loan.renewals == 0


def test_the_renew_control_reads_in_persian_R40(client, plus, loan):
    client.force_login(plus.user)
    text = text_of(client.get("/reservations/", **FA))
    assert "تمدید برای" in text and "۲ تمدید مانده" in text and "۳ روز · ۳٬۰۰۰ تومان" in text
