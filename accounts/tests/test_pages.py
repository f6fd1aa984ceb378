"""Account pages: the site navigation, the error pages and a newcomer's whole journey (R9, R11, R15, R17, R18, R21–R23).

The signup pages are in test_signup_pages.py, the profile and notifications in test_profile_pages.py.
``assert_page_basics`` and ``text_of`` live in accounts/tests/conftest.py; the other apps' page tests
import them from here.
"""

import re

import pytest

from accounts.models import Role, Tier
from accounts.tests.conftest import NEW_PASSWORD, assert_page_basics, log_in_with_code, text_of
from accounts.tests.factories import AuthorFactory, UserFactory
from billing.models import TransactionKind, WalletTransaction
from reservations.models import Reservation, Status

pytestmark = pytest.mark.django_db

# --- Navigation and error pages ---------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (None, ["/accounts/login/", "/accounts/signup/"], ["/wallet/", "/author/books/", "/admin/dashboard/"]),
        (Role.CUSTOMER, ["/reservations/", "/wallet/", "/subscription/", "/accounts/notifications/"], ["/admin/"]),
        (Role.AUTHOR, ["/author/books/", "/accounts/profile/"], ["/wallet/", "/admin/"]),
        (Role.ADMIN, ['href="/admin/"', "/admin/dashboard/"], ["/wallet/", "/author/books/"]),
    ],
)
def test_navigation_offers_the_pages_of_each_role(client, make_customer, role, shown, hidden):
    if role == Role.CUSTOMER:
        client.force_login(make_customer(Tier.FREE).user)
    elif role == Role.AUTHOR:
        client.force_login(AuthorFactory().user)
    elif role == Role.ADMIN:
        client.force_login(UserFactory(role=Role.ADMIN))
    html = client.get("/").content.decode()
    nav = html[html.index('<nav aria-label="Main">') : html.index("</nav>")]
    for link in shown:
        assert link in nav
    for link in hidden:
        assert link not in nav


def test_customer_pages_give_other_roles_the_403_page(client):
    client.force_login(AuthorFactory().user)
    for url in ("/wallet/", "/subscription/", "/reservations/"):
        response = client.get(url)
        assert response.status_code == 403
        html = assert_page_basics(response)
        assert "This page is for customers" in html


def test_unknown_address_gives_the_404_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in assert_page_basics(response)


# --- The whole customer journey, from the pages alone -----------------------------------


def test_a_newcomer_does_every_customer_task_from_the_pages(client, capsys, make_book):
    """Sign up, log in with the code, charge, buy Plus, reserve, see it, return it (R9, R11, R15, R17, R18, R21)."""
    book = make_book(units=1, title="Kelidar")
    client.post(
        "/accounts/signup/",
        {
            "role": "customer",
            "username": "reza",
            "email": "reza@example.com",
            "phone": "+989125550110",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    log_in_with_code(client, capsys, "reza", NEW_PASSWORD)

    # Free: the book page points to the subscription (R1).
    assert "Reserving needs Plus or Premium" in text_of(client.get(f"/books/{book.pk}/"))

    # The subscription offer is short of money: its link goes to the wallet with the shortfall (R11).
    offer = client.get("/subscription/confirm/?tier=plus&months=1")
    assert offer.status_code == 200 and "50,000 toman" in text_of(offer)
    charge_link = re.search(r'href="(/wallet/\?amount=50000[^"]*)"', offer.content.decode()).group(1)
    wallet = client.get(charge_link.replace("&amp;", "&"))
    assert 'value="50000"' in wallet.content.decode()

    key = re.search(r'name="idempotency_key" value="([^"]+)"', wallet.content.decode()).group(1)
    next_url = re.search(r'name="next" value="([^"]+)"', wallet.content.decode()).group(1).replace("&amp;", "&")
    charged = client.post("/wallet/charge/", {"amount": "60000", "idempotency_key": key, "next": next_url})
    assert charged.status_code == 302 and charged["Location"] == "/subscription/confirm/?tier=plus&months=1"

    offer = client.get(charged["Location"])
    state = re.search(r'name="state" value="([^"]*)"', offer.content.decode()).group(1)
    bought = client.post("/subscription/buy/", {"tier": "plus", "months": "1", "state": state})
    assert bought.status_code == 302
    assert "You are on Plus until" in text_of(client.get("/subscription/"))

    reserved = client.post(f"/books/{book.pk}/reserve/", {"days": "3"})
    assert reserved.status_code == 302 and reserved["Location"] == "/reservations/"
    mine = client.get("/reservations/")
    assert "“Kelidar” is yours until" in text_of(mine) and "3,000 toman was charged" in text_of(mine)
    reservation = Reservation.objects.get(customer__user__username="reza")
    assert reservation.status == Status.ACTIVE

    returned = client.post(f"/reservations/{reservation.pk}/return/")
    assert returned.status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == Status.RETURNED
    assert "You returned “Kelidar”" in text_of(client.get("/reservations/"))

    kinds = list(
        WalletTransaction.objects.filter(customer=reservation.customer).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == [TransactionKind.CHARGE, TransactionKind.SUBSCRIPTION, TransactionKind.RESERVATION]
    reservation.customer.refresh_from_db()
    assert reservation.customer.balance == 60_000 - 50_000 - 3_000
    assert client.get("/accounts/notifications/").status_code == 200
