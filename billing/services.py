"""Wallet and subscription use cases (R17–R20). Every balance change writes a ledger row."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import TIER_RULES, Customer, Notification, Tier
from accounts.services import notify
from bookstore.formatting import local_time
from bookstore.transactions import atomic_with_retry

from .exceptions import (
    DowngradeNotAllowed,
    IdempotencyKeyReused,
    InsufficientFunds,
    InvalidAmount,
    InvalidIdempotencyKey,
    InvalidSubscription,
    OfferChanged,
    PaymentDeclined,
)
from .gateways import get_gateway
from .models import TransactionKind, WalletTransaction

MIN_CHARGE = 1_000
MAX_CHARGE = 100_000_000
MONTH = timedelta(days=30)
MAX_MONTHS = 12


def lock_customer(customer: Customer | int, *, with_user: bool = True) -> Customer:
    """Return the customer's row re-read under a row lock (call inside a transaction).

    With `with_user`, its user comes in the same query, for callers that notify the customer.
    """
    customer_id = customer if isinstance(customer, int) else customer.pk
    customers = Customer.objects.select_for_update()
    if with_user:
        customers = customers.select_related("user")
    return customers.get(pk=customer_id)


def _write_ledger(
    customer: Customer, *, amount: int, kind: str, reference: str, now: datetime, idempotency_key: str | None = None
) -> WalletTransaction:
    """Apply `amount` to the locked customer's balance and record it (R19)."""
    new_balance = customer.balance + amount
    if new_balance < 0:
        raise InsufficientFunds(shortfall=-new_balance)
    customer.balance = new_balance
    customer.save(update_fields=["balance"])
    return WalletTransaction.objects.create(
        customer=customer,
        amount=amount,
        kind=kind,
        reference=reference[:200],
        created_at=now,
        balance_after=new_balance,
        idempotency_key=idempotency_key,
    )


def debit_wallet(*, customer: Customer, amount: int, kind: str, reference: str, now: datetime) -> WalletTransaction:
    """Take `amount` from a locked customer's wallet, or raise InsufficientFunds (R11, R19)."""
    if amount < 0:
        raise ValueError("A debit amount is not negative.")
    return _write_ledger(customer, amount=-amount, kind=kind, reference=reference, now=now)


def credit_wallet(
    *, customer: Customer, amount: int, kind: str, reference: str, now: datetime, idempotency_key: str | None = None
) -> WalletTransaction:
    """Add `amount` to a locked customer's wallet (R19)."""
    if amount <= 0:
        raise ValueError("A credit amount is positive.")
    return _write_ledger(
        customer, amount=amount, kind=kind, reference=reference, now=now, idempotency_key=idempotency_key
    )


@dataclass(frozen=True)
class ChargeResult:
    transaction: WalletTransaction
    created: bool  # False when an earlier request with the same Idempotency-Key answered


def _validate_charge_amount(amount: object) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidAmount("The amount must be a whole number of toman.")
    if not MIN_CHARGE <= amount <= MAX_CHARGE:
        raise InvalidAmount(f"The amount must be from {MIN_CHARGE:,} to {MAX_CHARGE:,} toman.")
    return amount


def _replay(customer: Customer, amount: int, idempotency_key: str) -> ChargeResult | None:
    earlier = WalletTransaction.objects.filter(customer=customer, idempotency_key=idempotency_key).first()
    if earlier is None:
        return None
    if earlier.amount != amount:
        raise IdempotencyKeyReused()
    return ChargeResult(transaction=earlier, created=False)


def charge_wallet(
    *, customer: Customer, amount: int, idempotency_key: str | None = None, now: datetime | None = None
) -> ChargeResult:
    """Charge the wallet through the payment gateway; a repeated key charges once (R17)."""
    amount = _validate_charge_amount(amount)
    if idempotency_key is not None and not (
        1 <= len(idempotency_key) <= 255 and idempotency_key.isascii() and idempotency_key.isprintable()
    ):
        raise InvalidIdempotencyKey()
    if idempotency_key and (earlier := _replay(customer, amount, idempotency_key)):
        return earlier

    # The gateway is network I/O: call it before taking any lock.
    result = get_gateway().charge(customer_id=customer.pk, amount=amount, idempotency_key=idempotency_key)
    if not result.approved:
        raise PaymentDeclined(result.message or None)

    now = now or timezone.now()
    try:
        with transaction.atomic():
            locked = lock_customer(customer)
            entry = credit_wallet(
                customer=locked,
                amount=amount,
                kind=TransactionKind.CHARGE,
                reference=f"Gateway {result.reference}",
                now=now,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        # A concurrent request with the same key won the race: answer with its result.
        if idempotency_key and (earlier := _replay(customer, amount, idempotency_key)):
            return earlier
        raise
    customer.balance = locked.balance
    return ChargeResult(transaction=entry, created=True)


@dataclass(frozen=True)
class SubscriptionPurchase:
    tier: str
    ends_at: datetime
    charged: int
    refunded: int


def _validate_purchase(tier: object, months: object) -> tuple[str, int]:
    if tier not in TIER_RULES:
        raise InvalidSubscription("The tier must be plus or premium.")
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise InvalidSubscription(f"Months must be a whole number from 1 to {MAX_MONTHS}.")
    return str(tier), months


def unused_plus_refund(customer: Customer, now: datetime) -> int:
    """Return the pro-rata value of the Plus time left, in whole toman rounded down (R18)."""
    if customer.tier_at(now) != Tier.PLUS:
        return 0
    left = customer.subscription_ends_at - now
    monthly = TIER_RULES[Tier.PLUS].monthly_price
    return int(monthly * int(left.total_seconds()) // int(MONTH.total_seconds()))


def quote_subscription(*, customer: Customer, tier: str, months: int, now: datetime) -> SubscriptionPurchase:
    """Say what buying `tier` for `months` would charge, refund and end at (R18); changes nothing."""
    tier, months = _validate_purchase(tier, months)
    current = customer.tier_at(now)
    if current == Tier.PREMIUM and tier == Tier.PLUS:
        raise DowngradeNotAllowed()
    charged = TIER_RULES[tier].monthly_price * months
    refunded = 0
    if current == tier:
        ends_at = max(now, customer.subscription_ends_at) + MONTH * months
    else:
        refunded = unused_plus_refund(customer, now) if tier == Tier.PREMIUM else 0
        ends_at = now + MONTH * months
    return SubscriptionPurchase(tier=tier, ends_at=ends_at, charged=charged, refunded=refunded)


def offer_state(customer: Customer) -> str:
    """What an offer is made for: the subscription as it stands (tier and end)."""
    ends_at = customer.subscription_ends_at.isoformat() if customer.subscription_ends_at else ""
    return f"{customer.tier}|{ends_at}"


@atomic_with_retry()
def buy_subscription(
    *, customer: Customer, tier: str, months: int, now: datetime | None = None, offer: str | None = None
) -> SubscriptionPurchase:
    """Buy, renew or upgrade a subscription from the wallet (R18, R11 on a short wallet).

    With `offer` (an ``offer_state`` shown to the customer), the purchase happens only if
    the subscription is still as it was then, so a second submit of one offer buys nothing.
    """
    now = now or timezone.now()
    locked = lock_customer(customer)
    if offer is not None and offer != offer_state(locked):
        raise OfferChanged()
    purchase = quote_subscription(customer=locked, tier=tier, months=months, now=now)
    available = locked.balance + purchase.refunded
    if available < purchase.charged:
        raise InsufficientFunds(shortfall=purchase.charged - available)
    if purchase.refunded:
        credit_wallet(
            customer=locked,
            amount=purchase.refunded,
            kind=TransactionKind.REFUND,
            reference=f"Unused Plus until {local_time(locked.subscription_ends_at)}",
            now=now,
        )
    debit_wallet(
        customer=locked,
        amount=purchase.charged,
        kind=TransactionKind.SUBSCRIPTION,
        reference=f"{purchase.tier.title()} × {months} month{'s' if months != 1 else ''}",
        now=now,
    )
    locked.tier = purchase.tier
    locked.subscription_ends_at = purchase.ends_at
    locked.save(update_fields=["tier", "subscription_ends_at"])
    customer.refresh_from_db()
    return purchase


def set_auto_renew(*, customer: Customer, enabled: bool) -> Customer:
    """Turn auto-renew on or off (R20)."""
    customer.auto_renew = bool(enabled)
    customer.save(update_fields=["auto_renew"])
    return customer


def _end_or_renew(customer_id: int, now: datetime) -> str | None:
    """End or renew one customer's lapsed subscription; return what happened."""
    locked = (
        Customer.objects.select_for_update(skip_locked=True)
        .select_related("user")
        .filter(pk=customer_id, subscription_ends_at__lte=now)
        .exclude(tier=Tier.FREE)
        .first()
    )
    if locked is None:  # done already, or another worker holds it
        return None
    rule = TIER_RULES[locked.tier]
    tier_name = locked.get_tier_display()
    if locked.auto_renew and locked.balance >= rule.monthly_price:
        debit_wallet(
            customer=locked,
            amount=rule.monthly_price,
            kind=TransactionKind.SUBSCRIPTION,
            reference=f"{tier_name} auto-renewal × 1 month",
            now=now,
        )
        # Renewal continues the old period, unless it lapsed a whole month ago.
        new_end = locked.subscription_ends_at + MONTH
        locked.subscription_ends_at = new_end if new_end > now else now + MONTH
        locked.save(update_fields=["subscription_ends_at"])
        notify(
            user=locked.user,
            kind=Notification.Kind.SUBSCRIPTION_RENEWED,
            message=f"Your {tier_name} subscription was renewed until {local_time(locked.subscription_ends_at)}.",
        )
        return "renewed"
    reason = "your wallet could not pay the renewal" if locked.auto_renew else "it reached its end"
    locked.tier = Tier.FREE
    locked.save(update_fields=["tier"])
    notify(
        user=locked.user,
        kind=Notification.Kind.SUBSCRIPTION_ENDED,
        message=f"Your {tier_name} subscription ended because {reason}. You are on the Free tier now.",
    )
    return "ended"


def end_or_renew_subscriptions(*, now: datetime | None = None, batch_size: int = 500) -> dict[str, int]:
    """End lapsed subscriptions or auto-renew them from the wallet (R5, R20); safe to rerun."""
    now = now or timezone.now()
    due_ids = list(
        Customer.objects.filter(subscription_ends_at__lte=now)
        .exclude(tier=Tier.FREE)
        .order_by("subscription_ends_at", "pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    counts = {"renewed": 0, "ended": 0}
    for customer_id in due_ids:
        with transaction.atomic():
            outcome = _end_or_renew(customer_id, now)
        if outcome:
            counts[outcome] += 1
    return counts
