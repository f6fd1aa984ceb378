"""Fixtures shared by every app's tests: customers on each tier, books, funded wallets."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import Customer, Tier
from accounts.tests.factories import CustomerFactory
from billing.models import TransactionKind, WalletTransaction
from billing.services import credit_wallet, lock_customer
from catalog.tests.factories import BookFactory


@pytest.fixture
def now() -> datetime:
    """A fixed "now" passed to services, so tests control time without patching."""
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def fund():
    """Credit a wallet through the ledger: fund(customer, amount, at=None)."""

    def _fund(customer: Customer, amount: int, at: datetime | None = None) -> Customer:
        from django.db import transaction

        with transaction.atomic():
            locked = lock_customer(customer)
            credit_wallet(
                customer=locked, amount=amount, kind=TransactionKind.CHARGE, reference="test", now=at or timezone.now()
            )
        customer.refresh_from_db()
        return customer

    return _fund


@pytest.fixture
def make_customer(fund, now):
    """make_customer(tier='plus', balance=0, ends_in=timedelta(days=30)) -> Customer."""

    def _make(tier: str = Tier.PLUS, balance: int = 0, ends_in: timedelta = timedelta(days=30), **kwargs) -> Customer:
        ends_at = None if tier == Tier.FREE else now + ends_in
        customer = CustomerFactory(tier=tier, subscription_ends_at=ends_at, **kwargs)
        if balance:
            # Fund in the past so the credit never counts as "paid" in R7 windows.
            fund(customer, balance, at=now - timedelta(days=365))
        return customer

    return _make


@pytest.fixture
def make_book():
    """make_book(units=1, **fields) -> Book."""

    def _make(units: int = 1, **kwargs):
        return BookFactory(units=units, **kwargs)

    return _make


def ledger_sum(customer: Customer) -> int:
    """Sum of the customer's ledger rows (R19)."""
    return sum(WalletTransaction.objects.filter(customer=customer).values_list("amount", flat=True))


@pytest.fixture
def assert_wallet_consistent():
    """assert_wallet_consistent(customer): balance >= 0 and equal to the sum of the ledger (R19)."""

    def _check(customer: Customer) -> None:
        customer.refresh_from_db()
        assert customer.balance >= 0
        assert customer.balance == ledger_sum(customer)

    return _check


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash test passwords with MD5: Argon2 (the production hasher) costs ~50 ms a user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api_client():
    """An anonymous DRF test client."""
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def client_for():
    """client_for(user) -> APIClient sending a real JWT access token for `user` (R22)."""
    from rest_framework.test import APIClient

    from accounts.services import issue_tokens

    def _client(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(user)['access']}")
        return client

    return _client


@pytest.fixture(autouse=True)
def isolated_cache(settings):
    """Give each test its own key prefix in the shared cache (the real Redis under make test)."""
    import copy
    import uuid

    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches


@pytest.fixture(autouse=True, scope="session")
def celery_publishes_to_a_throwaway_folder(tmp_path_factory):
    """Tasks enqueued by tests (notifications after commit) go to a folder nobody reads.

    Tests about the worker set up their own broker; the rest must not pile messages
    into the developer's var/celery or Redis.
    """
    from bookstore.celery import app

    folder = str(tmp_path_factory.mktemp("celery"))
    app.conf.broker_url = "filesystem://localhost/"
    app.conf.broker_transport_options = {
        "data_folder_in": folder,
        "data_folder_out": folder,
        "control_folder": folder,
        "store_processed": False,
    }


@pytest.fixture(autouse=True)
def back_to_the_default_language():
    """A request that asked for Persian leaves it active in the test's thread: each test starts in the default (R40)."""
    from django.utils import translation

    yield
    translation.deactivate()
