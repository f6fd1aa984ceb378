"""Refusals of the wallet and subscription rules (R11, R17, R18)."""

from bookstore.exceptions import Conflict, DomainError, InvalidInput


class InsufficientFunds(DomainError):
    """The wallet cannot pay; `shortfall` says how much is missing (R11)."""

    code = "insufficient_funds"
    status = 402
    default_message = "Your wallet balance is too low for this."

    def __init__(self, *, shortfall: int, message: str | None = None) -> None:
        super().__init__(message or f"Your wallet is {shortfall:,} toman short.", shortfall=shortfall)
        self.shortfall = shortfall


class InvalidAmount(InvalidInput):
    code = "invalid_amount"
    default_message = "The amount is not allowed."


class PaymentDeclined(DomainError):
    code = "payment_declined"
    status = 402
    default_message = "The payment gateway declined the charge."


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    default_message = "This Idempotency-Key was already used for a different request."


class InvalidIdempotencyKey(InvalidInput):
    code = "invalid_idempotency_key"
    default_message = "The Idempotency-Key must be 1 to 255 printable ASCII characters."


class OfferChanged(Conflict):
    """The subscription changed after the offer was shown: a stale or repeated Pay (R18)."""

    code = "offer_changed"
    default_message = "Your subscription changed since this offer was made."


class InvalidSubscription(InvalidInput):
    code = "invalid_subscription"
    default_message = "Choose plus or premium for 1 to 12 months."


class DowngradeNotAllowed(Conflict):
    code = "downgrade_not_allowed"
    default_message = "You cannot switch from Premium to Plus while Premium is in force."
