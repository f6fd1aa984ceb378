"""Use cases for accounts: registering a user with its profile, notifying a user."""

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from .models import Author, Customer, Notification, Role, User


@transaction.atomic
def register_user(*, username: str, email: str, phone: str, password: str, role: str = Role.CUSTOMER) -> User:
    """Create a user and the profile its role needs (a customer or an author)."""
    user = User(username=username, email=email, phone=phone, role=role)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    if role == Role.CUSTOMER:
        Customer.objects.create(user=user)
    elif role == Role.AUTHOR:
        Author.objects.create(user=user)
    return user


def notify(*, user: User, kind: str, message: str) -> Notification:
    """Store a notification for `user`; it is part of the caller's transaction."""
    return Notification.objects.create(user=user, kind=kind, message=message)
