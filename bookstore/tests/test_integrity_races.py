"""R27 raced: the admin site and profile edits against the services, real threads on PostgreSQL.

Each test forces the lost update's order with ``interleave``: the service writes under
its row lock and keeps its transaction open; the admin form or API request reads the row
meanwhile and saves after the commit. On the code before R27 each of these lost the
service's write (units on loan, a balance, a revocation, a closed account, a password).
"""

from contextlib import suppress

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import Role, Tier, User
from accounts.services import change_password, close_account, revoke_tokens
from accounts.tests.factories import CustomerFactory, UserFactory
from billing.models import TransactionKind
from billing.services import buy_subscription, credit_wallet, lock_customer
from bookstore.tests.concurrency import interleave, run_together
from catalog.models import Book
from catalog.services import update_book
from conftest import ledger_sum
from reservations.exceptions import ReservationIsActive
from reservations.models import Reservation, Status
from reservations.services import leave_queue, reserve, return_reservation, set_book_units

if connection.vendor != "postgresql":
    pytest.skip("Races need PostgreSQL row locks; set DATABASE_URL=postgres://...", allow_module_level=True)

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    return client


def book_change_form(book: Book) -> dict:
    """The book's change form as the admin site shows it, saved unchanged (a busy admin re-saving)."""
    return {
        "title": book.title,
        "isbn": book.isbn,
        "price": book.price,
        "genre": book.genre_id,
        "description": book.description,
        "units": book.units,
        "stock": book.stock,
        "authors": [author.pk for author in book.authors.all()],
        "_save": "Save",
    }


def assert_units_on_loan_exact(book: Book) -> None:
    book.refresh_from_db()
    active = Reservation.objects.filter(book=book, status=Status.ACTIVE).count()
    assert book.units_on_loan == active <= book.units


@pytest.mark.parametrize("service", ["reserve", "return"])
def test_the_book_change_form_saved_during_a_loan_change_keeps_units_on_loan_R9_R27(
    service, make_customer, make_book, now
):
    book = make_book(units=2)
    customer = make_customer(Tier.PLUS, balance=50_000)
    loan = reserve(customer=customer, book=book, days=2, now=now) if service == "return" else None
    admin, form = admin_client(), book_change_form(book)

    def change_loans():
        if loan is None:
            return reserve(customer=customer, book=book, days=2, now=now)
        return return_reservation(customer=customer, reservation=loan, now=now)

    _, saved = interleave(change_loans, lambda: admin.post(f"/admin/catalog/book/{book.pk}/change/", form))

    assert saved.value.status_code == 302
    assert_units_on_loan_exact(book)


def test_the_book_change_form_saved_while_another_admin_raises_units_keeps_them_R13_R27(make_book, now):
    book = make_book(units=2)
    admin, form = admin_client(), book_change_form(book)  # this admin changes the price only
    form["price"] = book.price + 1_000

    _, saved = interleave(
        lambda: set_book_units(book=book, units=5, now=now),
        lambda: admin.post(f"/admin/catalog/book/{book.pk}/change/", form),
    )

    assert saved.value.status_code == 302
    fresh = Book.objects.get(pk=book.pk)
    assert (fresh.units, fresh.price) == (5, book.price + 1_000)


def test_the_book_change_form_saved_while_the_stock_changes_keeps_it_R34_R27(make_book, now):
    book = make_book(units=2, stock=3)
    admin, form = admin_client(), {**book_change_form(book), "initial-stock": 3, "price": book.price + 1_000}

    _, saved = interleave(
        lambda: update_book(book=book, by=UserFactory(role=Role.ADMIN), data={"stock": 1}),  # a sale, R35
        lambda: admin.post(f"/admin/catalog/book/{book.pk}/change/", form),
    )

    assert saved.value.status_code == 302
    fresh = Book.objects.get(pk=book.pk)
    assert (fresh.stock, fresh.price) == (1, book.price + 1_000)


def test_the_customer_change_form_saved_during_a_subscription_purchase_keeps_it_R18_R27(make_customer, now):
    customer = make_customer(Tier.PLUS, balance=500_000)
    admin = admin_client()

    def upgrade():
        return buy_subscription(customer=customer, tier=Tier.PREMIUM, months=1, now=now)

    def toggle_auto_renew():
        return admin.post(f"/admin/accounts/customer/{customer.pk}/change/", {"auto_renew": "on", "_save": "Save"})

    bought, saved = interleave(upgrade, toggle_auto_renew)

    assert saved.value.status_code == 302
    customer.refresh_from_db()
    assert (customer.tier, customer.subscription_ends_at) == (Tier.PREMIUM, bought.value.ends_at)
    assert customer.balance == ledger_sum(customer)
    assert customer.auto_renew is True


def test_the_customer_change_form_saved_during_a_charge_keeps_the_balance_R19_R27(make_customer):
    customer = make_customer(Tier.PLUS, balance=10_000)
    admin = admin_client()

    def charge():
        credit_wallet(
            customer=lock_customer(customer),
            amount=5_000,
            kind=TransactionKind.CHARGE,
            reference="race",
            now=timezone.now(),
        )

    def toggle_auto_renew():
        return admin.post(f"/admin/accounts/customer/{customer.pk}/change/", {"auto_renew": "on", "_save": "Save"})

    _, saved = interleave(charge, toggle_auto_renew)

    assert saved.value.status_code == 302
    customer.refresh_from_db()
    assert customer.auto_renew is True
    assert customer.balance == ledger_sum(customer) == 15_000


def _patch_self(client_for, user: User, body: dict):
    client = client_for(user)  # the token is issued before the service runs
    return lambda: client.patch(f"/api/v1/users/{user.pk}/", body, format="json")


@pytest.mark.parametrize("body", [{}, {"first_name": "Stale"}])
def test_a_profile_edit_during_revocation_cannot_bring_the_tokens_back_R24_R27(client_for, body):
    user = UserFactory()
    client = client_for(user)

    _, patched = interleave(lambda: revoke_tokens(user=user), _patch_self(client_for, user, body))

    assert patched.value.status_code == 200  # it was authenticated before the revocation
    assert User.objects.get(pk=user.pk).tokens_revoked_at is not None
    assert client.get("/api/v1/me/").status_code == 401


def test_a_profile_edit_during_deactivation_cannot_reopen_the_account_R27(client_for):
    user = CustomerFactory().user

    interleave(lambda: close_account(user=user), _patch_self(client_for, user, {}))

    fresh = User.objects.get(pk=user.pk)
    assert fresh.is_active is False
    assert fresh.tokens_revoked_at is not None


def test_a_profile_edit_during_a_password_change_cannot_bring_the_old_password_back_R27(client_for):
    user = UserFactory(password="the old long password")

    def new_password():
        change_password(user=user, old_password="the old long password", new_password="a brand-new passphrase")

    interleave(new_password, _patch_self(client_for, user, {}))

    assert User.objects.get(pk=user.pk).check_password("a brand-new passphrase")


def test_the_admin_deactivating_a_user_goes_through_the_service_R24_R27():
    user = UserFactory()
    response = admin_client().post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "username": user.username,
            "email": user.email,
            "phone": user.phone,
            "role": user.role,
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "_save": "Save",
        },  # is_active left unticked
    )
    assert response.status_code == 302
    fresh = User.objects.get(pk=user.pk)
    assert fresh.is_active is False
    assert fresh.tokens_revoked_at is not None  # closing an account ends its tokens and sessions


def test_busy_admins_re_saving_a_book_while_loans_start_and_end_keep_it_exact_R9_R27(make_customer, make_book, now):
    """A bounded free-for-all: 4 customers reserve and return while 2 admins re-save the form."""
    book = make_book(units=3)
    customers = [make_customer(Tier.PLUS, balance=200_000) for _ in range(4)]
    admins, form = [admin_client() for _ in range(2)], book_change_form(book)
    rounds = 15

    def borrow_and_return(customer):
        for _ in range(rounds):
            loan = reserve(customer=customer, book=book, days=1, now=now)
            if loan.status == Status.QUEUED:
                with suppress(ReservationIsActive):  # a return meanwhile gave it the unit (R13)
                    leave_queue(customer=customer, reservation=loan, now=now)
            loan.refresh_from_db()
            if loan.status == Status.ACTIVE:
                return_reservation(customer=customer, reservation=loan, now=now)

    def re_save(client):
        statuses = {client.post(f"/admin/catalog/book/{book.pk}/change/", form).status_code for _ in range(rounds)}
        assert statuses == {302}

    run_together([lambda c=c: borrow_and_return(c) for c in customers] + [lambda a=a: re_save(a) for a in admins])

    assert_units_on_loan_exact(book)
    assert not Reservation.objects.filter(book=book, status__in=[Status.ACTIVE, Status.QUEUED]).exists()
