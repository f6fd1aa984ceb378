"""Wallet and subscription use cases (R17–R20). Every balance change writes a ledger row.

Charging the wallet (R17) calls the payment gateway at most once per Idempotency-Key at a
time, and credits an approved charge exactly once:

1. The key is claimed: a ``GatewayCharge`` row, unique per (customer, key), inserted and
   committed in its own short transaction. A charge sent without a key gets a
   server-made one (``server-<uuid>``), so the gateway is always given a key.
2. The gateway is called with that key, with no transaction open and no lock held.
3. Its answer moves the claim: approved → one transaction locks the customer, writes
   the ledger row and marks the claim ``approved`` with it; declined → ``declined``,
   final; an exception or timeout → ``failed``, and a retry calls the gateway again with
   the same key (a real gateway deduplicates by key; the answer is 503
   ``payment_gateway_unavailable`` with ``Retry-After`` and the key to retry with).

A repeat of a key answers from its claim: ``approved`` → the first ledger row
(``created=False``) and no gateway call; ``declined`` → the same 402 ``payment_declined``;
``pending`` → 409 ``charge_in_progress`` with ``Retry-After`` while the 30-second lease
runs, then the repeat takes the claim over and calls the gateway with the same key
(that covers a process killed mid-call); ``failed`` → taken over at once. Another amount
under the same key is 409 ``idempotency_key_reused`` whatever the state. The ledger's
own unique (customer, idempotency_key) stays as the last line against a double credit.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import TIER_RULES, Customer, Notification, Tier
from accounts.services import notify
from core.compiled import CompiledQuery, Param
from core.compiled_writes import CompiledInsert, CompiledUpdate
from core.formatting import number, toman
from core.transactions import atomic_with_retry

from . import texts
from .exceptions import (
    DowngradeNotAllowed,
    IdempotencyKeyReused,
    InsufficientFunds,
    InvalidAmount,
    InvalidIdempotencyKey,
    InvalidSubscription,
    OfferChanged,
    PaymentDeclined,
    PaymentGatewayUnavailable,
)
from .gateways import get_gateway
from .models import ChargeStatus, GatewayCharge, TransactionKind, WalletTransaction
from .rules import MAX_CHARGE, MIN_CHARGE
from .signals import wallet_debited

logger = logging.getLogger(__name__)

MONTH = timedelta(days=30)
MAX_MONTHS = 12
GATEWAY_RETRY_AFTER = 2  # seconds a client waits before retrying a charge the gateway failed


def lock_customer(customer: Customer | int, *, with_user: bool = True) -> Customer:
    """Return the customer's row re-read under a row lock (call inside a transaction).

    With `with_user`, its user comes in the same query, for callers that notify the customer.
    """
    customer_id = customer if isinstance(customer, int) else customer.pk
    locked = _CUSTOMER_LOCK[with_user].first(pk=customer_id)
    if locked is None:
        raise Customer.DoesNotExist("Customer matching query does not exist.")
    return locked


def _locked_customer(pk: int, *, with_user: bool) -> QuerySet[Customer]:
    customers = Customer.objects.select_for_update().filter(pk=pk)
    if with_user:
        customers = customers.select_related("user")
    return customers.order_by()[:1]


# The lock and the two writes of every balance change, compiled once per thread
# (core.compiled): the statements the ORM sends, without building them again.
_CUSTOMER_LOCK = {
    user: CompiledQuery(lambda pk, user=user: _locked_customer(pk, with_user=user), pk=Param("pk", 0))
    for user in (False, True)
}
_WRITE_BALANCE = CompiledUpdate(Customer, ["balance"])
_INSERT_LEDGER_ROW = CompiledInsert(
    WalletTransaction, [field.name for field in WalletTransaction._meta.concrete_fields if not field.primary_key]
)


def _write_ledger(
    customer: Customer, *, amount: int, kind: str, reference: str, now: datetime, idempotency_key: str | None = None
) -> WalletTransaction:
    """Apply `amount` to the locked customer's balance and record it (R19)."""
    new_balance = customer.balance + amount
    if new_balance < 0:
        raise InsufficientFunds(shortfall=-new_balance)
    customer.balance = new_balance
    _WRITE_BALANCE.run(customer)  # customer.save(update_fields=["balance"]), nothing listening
    row = WalletTransaction(
        customer=customer,
        amount=amount,
        kind=kind,
        reference=reference[:200],
        created_at=now,
        balance_after=new_balance,
        idempotency_key=idempotency_key,
    )
    _INSERT_LEDGER_ROW.run(row)  # row.save(): nothing listens to the ledger's signals
    return row


def debit_wallet(*, customer: Customer, amount: int, kind: str, reference: str, now: datetime) -> WalletTransaction:
    """Take `amount` from a locked customer's wallet, or raise InsufficientFunds (R11, R19). Implements R19."""
    if amount < 0:
        raise ValueError("A debit amount is not negative.")
    row = _write_ledger(customer, amount=-amount, kind=kind, reference=reference, now=now)
    wallet_debited.send(sender=Customer, customer=customer, now=now)  # R32's check, in this transaction
    return row


def credit_wallet(
    *, customer: Customer, amount: int, kind: str, reference: str, now: datetime, idempotency_key: str | None = None
) -> WalletTransaction:
    """Add `amount` to a locked customer's wallet (R19). Implements R19."""
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
        raise InvalidAmount(gettext("The amount must be a whole number of toman."))
    if not MIN_CHARGE <= amount <= MAX_CHARGE:
        raise InvalidAmount(
            gettext("The amount must be from %(min)s to %(max)s.")
            % {"min": number(MIN_CHARGE), "max": toman(MAX_CHARGE)}
        )
    return amount


def validate_idempotency_key(key: str | None) -> str | None:
    """The client's key as given (1 to 255 printable ASCII characters), or None for none (R17, R35)."""
    if key is None:
        return None
    if not (1 <= len(key) <= 255 and key.isascii() and key.isprintable()):
        raise InvalidIdempotencyKey()
    return key


def _validate_idempotency_key(key: str | None) -> str:
    """Return the client's key, or a server-made one when it sent none: the gateway always gets a key."""
    return validate_idempotency_key(key) or f"server-{uuid.uuid4().hex}"


def _claim(*, customer: Customer, amount: int, key: str, at: datetime) -> GatewayCharge:
    """Commit the key's claim, or take over a failed or lapsed one; an approved claim is returned as it is.

    Raises what a repeat of the key gets: 409 for another amount or a call in progress,
    the same 402 for a declined key.
    """
    try:
        with transaction.atomic():
            return GatewayCharge.objects.create(
                customer=customer, idempotency_key=key, amount=amount, attempted_at=at, created_at=at, updated_at=at
            )
    except IntegrityError:
        pass  # the key is claimed already: what it did decides the answer
    claim = GatewayCharge.objects.get(customer=customer, idempotency_key=key)
    if claim.amount != amount:
        raise IdempotencyKeyReused()
    if claim.status == ChargeStatus.DECLINED:
        raise PaymentDeclined(claim.message or None)
    if claim.status != ChargeStatus.APPROVED:
        claim.take_over(at=at)
    return claim


def _credit_approved(*, customer: Customer, claim: GatewayCharge, reference: str, now: datetime) -> ChargeResult:
    """Credit an approved gateway charge once: lock the customer, write the ledger, approve the claim."""
    try:
        with transaction.atomic():
            locked = lock_customer(customer, with_user=False)
            claim = GatewayCharge.objects.select_for_update().get(pk=claim.pk)
            if claim.status == ChargeStatus.APPROVED:
                # This call outlived its lease, and the request that took over was credited first.
                return ChargeResult(transaction=claim.transaction, created=False)
            entry = credit_wallet(
                customer=locked,
                amount=claim.amount,
                kind=TransactionKind.CHARGE,
                reference=gettext("Gateway %(reference)s") % {"reference": reference},
                now=now,
                idempotency_key=claim.idempotency_key,
            )
            claim.approve(transaction=entry, reference=reference, at=timezone.now())
    except IntegrityError:
        # The ledger's own unique key, the last line: a credit for this key that no claim
        # names, written before claims existed. The gateway was given the same key, so this
        # approval is that charge: name it, credit nothing more.
        earlier = WalletTransaction.objects.filter(customer=customer, idempotency_key=claim.idempotency_key).first()
        if earlier is None or earlier.kind != TransactionKind.CHARGE or earlier.amount != claim.amount:
            raise
        with transaction.atomic():
            claim = GatewayCharge.objects.select_for_update().get(pk=claim.pk)
            if claim.status != ChargeStatus.APPROVED:
                claim.approve(transaction=earlier, reference=reference, at=timezone.now())
        return ChargeResult(transaction=earlier, created=False)
    customer.balance = locked.balance
    return ChargeResult(transaction=entry, created=True)


def charge_wallet(
    *, customer: Customer, amount: int, idempotency_key: str | None = None, now: datetime | None = None
) -> ChargeResult:
    """Charge the wallet through the payment gateway, at most one gateway charge per key (R17).

    The key's claim (``GatewayCharge``, whose docstring has the states) is committed
    before the gateway is called and the gateway gets the key, so concurrent repeats and
    retries after a timeout charge once. Call it outside a transaction: the claim must be
    committed before the gateway call, and no lock may be held across it.

    Implements R17.
    """
    key = _validate_idempotency_key(idempotency_key)
    amount = _validate_charge_amount(amount)
    gateway = get_gateway()  # a misconfigured gateway fails here, before anything is claimed
    claim = _claim(customer=customer, amount=amount, key=key, at=timezone.now())
    if claim.status == ChargeStatus.APPROVED:
        return ChargeResult(transaction=claim.transaction, created=False)

    # Network I/O: no transaction is open and no lock is held from here to the answer.
    try:
        result = gateway.charge(customer_id=customer.pk, amount=amount, idempotency_key=key)
    except Exception as error:
        logger.warning("Payment gateway failed for charge %s (attempt %s)", claim.pk, claim.attempts, exc_info=True)
        claim.fail(at=timezone.now())
        raise PaymentGatewayUnavailable(idempotency_key=key, retry_after=GATEWAY_RETRY_AFTER) from error
    if not result.approved:
        claim.decline(reference=result.reference, message=result.message, at=timezone.now())
        raise PaymentDeclined(result.message or None)
    return _credit_approved(customer=customer, claim=claim, reference=result.reference, now=now or timezone.now())


@dataclass(frozen=True)
class SubscriptionPurchase:
    tier: str
    ends_at: datetime
    charged: int
    refunded: int


def _validate_purchase(tier: object, months: object) -> tuple[str, int]:
    if tier not in TIER_RULES:
        raise InvalidSubscription(gettext("The tier must be plus or premium."))
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise InvalidSubscription(
            gettext("Months must be a whole number from %(min)s to %(max)s.")
            % {"min": number(1), "max": number(MAX_MONTHS)}
        )
    return str(tier), months


def unused_plus_refund(customer: Customer, now: datetime) -> int:
    """Return the pro-rata value of the Plus time left, in whole toman rounded down (R18). Implements R18."""
    if customer.tier_at(now) != Tier.PLUS:
        return 0
    left = customer.subscription_ends_at - now
    monthly = TIER_RULES[Tier.PLUS].monthly_price
    return int(monthly * int(left.total_seconds()) // int(MONTH.total_seconds()))


def quote_subscription(*, customer: Customer, tier: str, months: int, now: datetime) -> SubscriptionPurchase:
    """Say what buying `tier` for `months` would charge, refund and end at (R18); changes nothing. Implements R18."""
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

    Implements R18.
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
        reference = texts.refund_reference(locked, locked.subscription_ends_at)
        credit_wallet(
            customer=locked, amount=purchase.refunded, kind=TransactionKind.REFUND, reference=reference, now=now
        )
    reference = texts.subscription_reference(locked, purchase.tier, months)
    debit_wallet(
        customer=locked, amount=purchase.charged, kind=TransactionKind.SUBSCRIPTION, reference=reference, now=now
    )
    locked.tier = purchase.tier
    locked.subscription_ends_at = purchase.ends_at
    locked.save(update_fields=["tier", "subscription_ends_at"])
    customer.refresh_from_db()
    return purchase


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
    if locked.auto_renew and locked.balance >= rule.monthly_price:
        reference = texts.renewal_reference(locked)
        debit_wallet(
            customer=locked, amount=rule.monthly_price, kind=TransactionKind.SUBSCRIPTION, reference=reference, now=now
        )
        # Renewal continues the old period, unless it lapsed a whole month ago.
        new_end = locked.subscription_ends_at + MONTH
        locked.subscription_ends_at = new_end if new_end > now else now + MONTH
        locked.save(update_fields=["subscription_ends_at"])
        notify(user=locked.user, kind=Notification.Kind.SUBSCRIPTION_RENEWED, message=texts.renewed_message(locked))
        return "renewed"
    message = texts.ended_message(locked, locked.tier)
    locked.tier = Tier.FREE
    locked.save(update_fields=["tier"])
    notify(user=locked.user, kind=Notification.Kind.SUBSCRIPTION_ENDED, message=message)
    return "ended"


def end_or_renew_subscriptions(*, now: datetime | None = None, batch_size: int = 500) -> dict[str, int]:
    """End lapsed subscriptions or auto-renew them from the wallet (R5, R20); safe to rerun. Implements R20."""
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
