"""Users and profiles: registration, the admin from createsuperuser, tiers in force (R5)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from accounts.models import Author, Customer, Role, Tier, User
from accounts.services import register_user
from accounts.tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a sturdy passphrase 42"


def test_register_customer_creates_free_customer_profile():
    user = register_user(username="sara", email="sara@example.com", phone="+989121234567", password=PASSWORD)
    assert user.role == Role.CUSTOMER
    assert user.check_password(PASSWORD)
    customer = Customer.objects.get(user=user)
    assert customer.tier == Tier.FREE and customer.balance == 0 and not customer.auto_renew


def test_register_author_creates_author_profile_and_no_customer():
    user = register_user(
        username="hedayat", email="h@example.com", phone="+989121234568", password=PASSWORD, role=Role.AUTHOR
    )
    assert Author.objects.filter(user=user).exists()
    assert not Customer.objects.filter(user=user).exists()


@pytest.mark.parametrize("phone", ["09121234567", "+0912123", "+98 912 123 4567", "+98912123456789012"])
def test_register_rejects_phone_not_in_e164(phone):
    with pytest.raises(ValidationError) as error:
        register_user(username="bad", email="bad@example.com", phone=phone, password=PASSWORD)
    assert "phone" in error.value.message_dict
    assert not User.objects.filter(username="bad").exists()


def test_register_rejects_duplicate_email_and_phone():
    UserFactory(username="first", email="same@example.com", phone="+989120000001")
    with pytest.raises(ValidationError) as error:
        register_user(username="second", email="same@example.com", phone="+989120000001", password=PASSWORD)
    assert {"email", "phone"} <= set(error.value.message_dict)


def test_register_rejects_weak_password_and_writes_nothing():
    with pytest.raises(ValidationError):
        register_user(username="weak", email="weak@example.com", phone="+989121111111", password="12345678")
    assert not User.objects.filter(username="weak").exists()


def test_database_rejects_phone_not_in_e164():
    user = UserFactory()
    user.phone = "not-a-phone"
    with pytest.raises(IntegrityError), transaction.atomic():
        user.save()


def test_createsuperuser_noinput_reads_email_and_phone_and_makes_an_admin(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PHONE", "+989129999999")
    call_command("createsuperuser", "--noinput", "--username", "boss", verbosity=0)
    boss = User.objects.get(username="boss")
    assert boss.role == Role.ADMIN and boss.is_admin
    assert boss.is_staff and boss.is_superuser
    assert boss.phone == "+989129999999"


def test_paid_tier_is_in_force_only_until_it_ends_R5(now):
    customer = CustomerFactory(tier=Tier.PLUS, subscription_ends_at=now + timedelta(seconds=1))
    assert customer.tier_at(now) == Tier.PLUS
    assert customer.rule_at(now).max_days == 7
    assert customer.tier_at(now + timedelta(seconds=1)) == Tier.FREE
    assert customer.rule_at(now + timedelta(seconds=1)) is None


def test_console_sms_backend_prints_one_line_with_phone_and_message(capsys):
    from accounts.sms import send_sms

    send_sms(phone="+989121234567", message="Your code is 123456.\nIt lives 2 minutes.")
    assert capsys.readouterr().out == "SMS to +989121234567: Your code is 123456. It lives 2 minutes.\n"
