"""Fixtures of the wishlist's tests: wishers of a book and their alerts (R38)."""

import pytest

from accounts.models import Notification, Role
from accounts.tests.factories import UserFactory


def alerts(customer, kind: str = Notification.Kind.WISHED_FREE) -> list[Notification]:
    return list(Notification.objects.filter(user=customer.user, kind=kind).order_by("pk"))


@pytest.fixture
def admin_user():
    return UserFactory(role=Role.ADMIN, is_staff=True)
