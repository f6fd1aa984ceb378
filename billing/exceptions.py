"""Refusals of the wallet and subscription rules (R11, R17, R18)."""

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from core.exceptions import Conflict, DomainError, InvalidInput
from core.formatting import toman

from .rules import suggested_charge


class InsufficientFunds(DomainError):
    """The wallet cannot pay; `shortfall` says how much is missing (R11). Implements R11."""

    code = "insufficient_funds"
    status = 402
    default_message = gettext_lazy("Your wallet balance is too low for this.")

    def __init__(self, *, shortfall: int, message: str | None = None) -> None:
        super().__init__(
            message or gettext("Your wallet is %(amount)s short.") % {"amount": toman(shortfall)}, shortfall=shortfall
        )
        self.shortfall = shortfall

    @property
    def suggested_charge(self) -> int:
        """The top-up that covers the shortfall and that a charge accepts (R11, R17)."""
        return suggested_charge(self.shortfall)

    def as_dict(self) -> dict:
        """The error body with ``charge_url``: where to top up, the amount filled in (R11)."""
        return {**super().as_dict(), "charge_url": f"{reverse('api:wallet-charge')}?amount={self.suggested_charge}"}


class InvalidAmount(InvalidInput):
    code = "invalid_amount"
    default_message = gettext_lazy("The amount is not allowed.")


class PaymentDeclined(DomainError):
    code = "payment_declined"
    status = 402
    default_message = gettext_lazy("The payment gateway declined the charge.")


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    default_message = gettext_lazy("This Idempotency-Key was already used for a different request.")


class ChargeInProgress(Conflict):
    """The gateway is being called for this key right now; ask again after `retry_after` (R17)."""

    code = "charge_in_progress"
    default_message = gettext_lazy("A charge with this Idempotency-Key is being processed. Try again in a moment.")

    def __init__(self, *, retry_after: int, message: str | None = None) -> None:
        # core.api sends `retry_after` as the Retry-After header too.
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class PaymentGatewayUnavailable(DomainError):
    """The gateway failed or timed out; a retry with the same key resolves it, charging once (R17).

    The body carries the `idempotency_key` the gateway was given, so a client that sent
    none can still retry the same charge rather than make a new one.
    """

    code = "payment_gateway_unavailable"
    status = 503
    default_message = gettext_lazy(
        "The payment gateway did not answer. Try again with the same Idempotency-Key: it charges at most once."
    )

    def __init__(self, *, idempotency_key: str, retry_after: int, message: str | None = None) -> None:
        super().__init__(message, idempotency_key=idempotency_key, retry_after=retry_after)
        self.idempotency_key = idempotency_key
        self.retry_after = retry_after


class InvalidIdempotencyKey(InvalidInput):
    code = "invalid_idempotency_key"
    default_message = gettext_lazy("The Idempotency-Key must be 1 to 255 printable ASCII characters.")


class OfferChanged(Conflict):
    """The subscription changed after the offer was shown: a stale or repeated Pay (R18)."""

    code = "offer_changed"
    default_message = gettext_lazy("Your subscription changed since this offer was made.")


class InvalidSubscription(InvalidInput):
    code = "invalid_subscription"
    default_message = gettext_lazy("Choose plus or premium for 1 to 12 months.")


class DowngradeNotAllowed(Conflict):
    code = "downgrade_not_allowed"
    default_message = gettext_lazy("You cannot switch from Premium to Plus while Premium is in force.")
