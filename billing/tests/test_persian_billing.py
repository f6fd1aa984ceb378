"""The wallet and subscription in Persian (R40): pages, messages, API refusals, notifications.

Pages speak the request's language (``Accept-Language: fa``): Persian words, Persian digits
with the Persian thousands separator, «تومان», Jalali dates. What billing writes for later
(a ledger reference, a notification) is in the customer's own language (``User.language``),
whoever's request or task wrote it. The API's ``code`` never changes.

Implements R40.
"""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from accounts.models import Notification, Tier
from accounts.tests.conftest import text_of
from billing.models import TransactionKind, WalletTransaction
from billing.services import MONTH, buy_subscription, end_or_renew_subscriptions
from core.formatting import local_time

pytestmark = pytest.mark.django_db

FA = {"HTTP_ACCEPT_LANGUAGE": "fa"}


def in_persian(function, *args) -> str:
    with translation.override("fa"):
        return function(*args)


def test_the_wallet_page_reads_in_persian_with_jalali_dates(client, make_customer):
    customer = make_customer(Tier.PLUS, balance=123_000)
    client.force_login(customer.user)
    response = client.get("/wallet/", **FA)
    assert response.status_code == 200
    text = text_of(response)
    entry = WalletTransaction.objects.get(customer=customer)
    assert "کیف پول" in text and "موجودی" in text and "تراکنش‌ها" in text
    assert "۱۲۳٬۰۰۰ تومان" in text and "+۱۲۳٬۰۰۰ تومان" in text
    when = in_persian(local_time, entry.created_at)
    assert when in text and when.startswith("۱۴")
    assert "toman" not in text and "Balance" not in text


def test_a_refused_charge_explains_in_persian_and_keeps_the_form(client, make_customer):
    customer = make_customer(Tier.PLUS)
    client.force_login(customer.user)
    response = client.post("/wallet/charge/", {"amount": "5", "idempotency_key": "k-1"}, **FA)
    assert response.status_code == 400
    text = text_of(response)
    assert "مبلغ باید از ۱٬۰۰۰ تا ۱۰۰٬۰۰۰٬۰۰۰ تومان باشد." in text
    assert 'value="5"' in response.content.decode()


def test_the_subscription_page_and_offer_read_in_persian(client, make_customer):
    customer = make_customer(Tier.PLUS, balance=300_000, ends_in=timedelta(days=15))
    client.force_login(customer.user)
    text = text_of(client.get("/subscription/", **FA))
    assert "طرح شما" in text and "ماهی ۵۰٬۰۰۰ تومان" in text and "۱ ماه" in text
    assert in_persian(local_time, customer.subscription_ends_at) in text
    offer = text_of(client.get("/subscription/confirm/", {"tier": "premium", "months": "1"}, **FA))
    assert "ارتقا به پریمیوم برای ۱ ماه" in offer and "بازپرداخت روزهای استفاده‌نشدهٔ پلاس" in offer
    assert "Upgrade" not in offer and "toman" not in offer


def test_a_purchase_message_and_its_ledger_rows_are_persian_for_a_persian_reader(client, make_customer):
    customer = make_customer(Tier.PLUS, balance=500_000, ends_in=timedelta(days=15))
    customer.user.language = "fa"
    customer.user.save(update_fields=["language"])
    client.force_login(customer.user)
    page = client.get("/subscription/confirm/", {"tier": "premium", "months": "2"})  # the user's language
    state = page.context["state"]
    response = client.post("/subscription/buy/", {"tier": "premium", "months": "2", "state": state}, follow=True)
    text = text_of(response)
    assert "تا" in text and "در سطح پریمیوم هستید" in text and "۴۰۰٬۰۰۰ تومان پرداخت شد" in text
    references = dict(WalletTransaction.objects.filter(customer=customer).values_list("kind", "reference"))
    assert references[TransactionKind.SUBSCRIPTION] == "پریمیوم × ۲ ماه"
    assert references[TransactionKind.REFUND].startswith("پلاسِ استفاده‌نشده تا ۱۴")


def test_ledger_rows_keep_english_for_an_english_reader_whoever_asks(make_customer, now):
    customer = make_customer(Tier.FREE, balance=200_000)
    customer.user.language = "en"
    customer.user.save(update_fields=["language"])
    with translation.override("fa"):  # a Persian admin's request, say
        buy_subscription(customer=customer, tier=Tier.PLUS, months=3, now=now)
    entry = WalletTransaction.objects.get(customer=customer, kind=TransactionKind.SUBSCRIPTION)
    assert entry.reference == "Plus × 3 months"


@pytest.mark.parametrize("auto_renew", [True, False], ids=["wallet-short", "no-auto-renew"])
def test_the_end_of_a_subscription_is_told_in_the_readers_language(make_customer, auto_renew):
    customer = make_customer(Tier.PLUS, ends_in=timedelta(days=-1), auto_renew=auto_renew)
    customer.user.language = "fa"
    customer.user.save(update_fields=["language"])
    assert end_or_renew_subscriptions(now=timezone.now()) == {"renewed": 0, "ended": 1}
    message = Notification.objects.get(user=customer.user, kind=Notification.Kind.SUBSCRIPTION_ENDED).message
    assert message.startswith("اشتراک پلاس شما") and message.endswith("اکنون در سطح رایگان هستید.")
    assert ("کیف پولتان هزینهٔ تمدید را نداشت" in message) is auto_renew


def test_an_auto_renewal_is_told_in_persian_with_a_jalali_end(make_customer):
    customer = make_customer(Tier.PLUS, balance=100_000, ends_in=timedelta(hours=-1), auto_renew=True)
    customer.user.language = "fa"
    customer.user.save(update_fields=["language"])
    end = customer.subscription_ends_at + MONTH
    assert end_or_renew_subscriptions(now=timezone.now()) == {"renewed": 1, "ended": 0}
    message = Notification.objects.get(user=customer.user, kind=Notification.Kind.SUBSCRIPTION_RENEWED).message
    assert message == f"اشتراک پلاس شما تا {in_persian(local_time, end)} تمدید شد."
    entry = WalletTransaction.objects.get(customer=customer, kind=TransactionKind.SUBSCRIPTION)
    assert entry.reference == "تمدید خودکار پلاس × ۱ ماه"


def test_an_api_refusal_has_a_persian_detail_and_the_same_code(client_for, make_customer):
    customer = make_customer(Tier.PREMIUM, balance=500_000)
    api = client_for(customer.user)
    response = api.post("/api/v1/subscription/", {"tier": "plus", "months": 1}, format="json", **FA)
    assert response.status_code == 409
    assert response.json()["code"] == "downgrade_not_allowed"
    assert response.json()["detail"] == "تا وقتی پریمیوم برقرار است نمی‌توانید از پریمیوم به پلاس بروید."
    short = api.post("/api/v1/wallet/charge/", {"amount": 5}, format="json", **FA)
    assert short.status_code == 400 and short.json()["code"] == "invalid_amount"
    assert short.json()["detail"] == "مبلغ باید از ۱٬۰۰۰ تا ۱۰۰٬۰۰۰٬۰۰۰ تومان باشد."
