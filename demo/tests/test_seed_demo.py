"""`manage.py seed_demo`: realistic rows in every table, made by the services, idempotent (SPEC section 2)."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone
from stdnum import isbn as stdnum_isbn

from accounts.models import Author, City, Customer, Notification, Role, Tier, User
from billing.models import TransactionKind, WalletTransaction
from catalog.models import Book, Genre
from conftest import ledger_sum
from demo.data import DEMO_ACCOUNTS, DEMO_PASSWORD
from reservations.models import EndReason, Reservation, Status

pytestmark = pytest.mark.django_db

SEEDED_MODELS = (User, Customer, Author, City, Genre, Book, Reservation, WalletTransaction, Notification)
PERSIAN = re.compile(r"[\u0600-\u06FF]")


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in SEEDED_MODELS}


def test_seed_demo_fills_every_table_with_at_least_ten_rows():
    seed()
    counts = row_counts()
    assert all(count >= 10 for count in counts.values()), counts


def test_seed_demo_has_active_queued_and_finished_reservations():
    seed()
    statuses = set(Reservation.objects.values_list("status", flat=True))
    assert {Status.ACTIVE, Status.QUEUED} <= statuses
    assert statuses & {Status.RETURNED, Status.EXPIRED, Status.ENDED_BY_ADMIN}
    assert statuses & {Status.DROPPED, Status.CANCELLED}


def test_seed_demo_has_customers_on_every_tier_in_force_R5():
    seed()
    now = timezone.now()
    tiers = {customer.tier_at(now) for customer in Customer.objects.all()}
    assert tiers == {Tier.FREE, Tier.PLUS, Tier.PREMIUM}
    assert Customer.objects.filter(auto_renew=True).exclude(tier=Tier.FREE).exists()


def test_seed_demo_books_have_valid_isbns_and_persian_and_english_titles():
    seed()
    books = list(Book.objects.annotate(author_count=Count("authors")))
    assert all(stdnum_isbn.is_valid(book.isbn) for book in books), [book.isbn for book in books]
    assert all(book.author_count >= 1 for book in books)
    titles = [book.title for book in books]
    assert {"بوف کور", "کلیدر", "سمفونی مردگان"} <= set(titles)
    assert any(title.isascii() for title in titles)
    assert sum(bool(PERSIAN.search(title)) for title in titles) >= 5


def test_seed_demo_wallets_equal_their_ledgers_R19():
    seed()
    for customer in Customer.objects.select_related("user"):
        assert customer.balance >= 0
        assert customer.balance == ledger_sum(customer), customer.user.username
        assert WalletTransaction.objects.filter(
            customer=customer, kind=TransactionKind.CHARGE, idempotency_key=f"seed-{customer.user.username}-1"
        ).exists()
    kinds = set(WalletTransaction.objects.values_list("kind", flat=True))
    assert kinds == set(TransactionKind.values)


def test_seed_demo_units_on_loan_equal_active_reservations_R9_R16():
    seed()
    now = timezone.now()
    books = Book.objects.annotate(active=Count("reservations", filter=Q(reservations__status=Status.ACTIVE)))
    for book in books:
        assert book.units_on_loan == book.active, book.title
        assert book.units_on_loan <= book.units
    assert not Reservation.objects.due(now).exists(), "an active reservation is already overdue"


def test_seed_demo_history_shows_the_rules_at_work_R7_R12_R13_R18_R20():
    """The story the seed tells comes out of the services as its comments say."""
    seed()
    now = timezone.now()
    discounts = set(Reservation.objects.exclude(discount=None).values_list("discount", flat=True))
    assert {0, 30, 100} <= discounts
    drop_reasons = set(Reservation.objects.filter(status=Status.DROPPED).values_list("end_reason", flat=True))
    assert {EndReason.NO_SUBSCRIPTION, EndReason.INSUFFICIENT_FUNDS} <= drop_reasons
    assert WalletTransaction.objects.filter(kind=TransactionKind.REFUND).exists()
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert kinds == set(Notification.Kind.values)
    kelidar_queue = list(Reservation.objects.filter(book__title="کلیدر").in_queue_order(now))
    assert [entry.customer.tier_at(now) for entry in kelidar_queue] == [Tier.PREMIUM, Tier.PLUS]
    assert kelidar_queue[0].requested_at > kelidar_queue[1].requested_at  # Premium first despite asking later


def test_seed_demo_twice_changes_no_row_counts():
    seed()
    first = row_counts()
    output = seed()
    assert row_counts() == first
    assert "nothing created" in output


def test_seed_demo_prints_demo_accounts_whose_passwords_work():
    output = seed()
    assert "Demo accounts:" in output
    lines = {line.split()[0]: line for line in output.splitlines()[output.splitlines().index("Demo accounts:") + 2 :]}
    expected_roles = {
        "admin": "admin",
        "demo_free": "customer (free)",
        "demo_plus": "customer (plus)",
        "demo_premium": "customer (premium)",
        "demo_author": "author",
    }
    assert set(DEMO_ACCOUNTS) == set(expected_roles)
    for username, role in expected_roles.items():
        assert DEMO_PASSWORD in lines[username] and lines[username].endswith(role)
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)
    admin = User.objects.get(username="admin")
    assert admin.role == Role.ADMIN and admin.is_superuser and admin.is_staff
    assert Author.objects.filter(user__username="demo_author", books__isnull=False).exists()


def test_seed_demo_keeps_an_existing_admin_and_does_not_print_a_wrong_password():
    User.objects.create_superuser(
        username="admin", email="boss@example.com", phone="+989121110000", password="someone-elses-secret"
    )
    output = seed()
    admin_line = next(line for line in output.splitlines() if line.split()[:1] == ["admin"])
    assert DEMO_PASSWORD not in admin_line and "changed" in admin_line
    assert User.objects.get(username="admin").check_password("someone-elses-secret")
    assert User.objects.filter(role=Role.ADMIN).count() == 1


def test_seeded_history_notices_count_as_already_sent():
    """The first `make run` must not text every demo customer about the past."""
    seed()
    assert Notification.objects.exists()
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
