"""Payment gateways: a pluggable backend chosen by the PAYMENT_GATEWAY setting (R17).

``charge`` is always given an ``idempotency_key`` (the client's, or one the server made
for a charge sent without one). A real gateway must pass it to its provider, so that a
second call with the same key (a retry after a timeout, or a lapsed claim taken over,
see ``billing.models.GatewayCharge``) is the same charge, not a new one. A failure or a
timeout is an exception; its own timeout should be well under ``GatewayCharge.LEASE``.
"""

import hashlib
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class GatewayResult:
    approved: bool
    reference: str
    message: str = ""


class PaymentGateway:
    """Charge a customer's card or account; implementations talk to a real provider."""

    def charge(self, *, customer_id: int, amount: int, idempotency_key: str) -> GatewayResult:
        """Charge `amount` toman once per `idempotency_key`; raise on a failure or a timeout."""
        raise NotImplementedError


class FakeGateway(PaymentGateway):
    """Approve every charge: the default, for development and demos.

    Like a real gateway, one key names one charge: the reference is derived from it.
    """

    def charge(self, *, customer_id: int, amount: int, idempotency_key: str) -> GatewayResult:
        digest = hashlib.sha256(f"{customer_id}:{amount}:{idempotency_key}".encode()).hexdigest()
        return GatewayResult(approved=True, reference=f"fake-{digest[:16]}")


class DecliningGateway(PaymentGateway):
    """Decline every charge: for tests and for switching payments off."""

    def charge(self, *, customer_id: int, amount: int, idempotency_key: str) -> GatewayResult:
        return GatewayResult(approved=False, reference="", message="Declined by the gateway.")


@cache
def _gateway_class(path: str) -> type[PaymentGateway]:
    return import_string(path)


def get_gateway() -> PaymentGateway:
    """Return an instance of the gateway named in settings.PAYMENT_GATEWAY. Implements R17."""
    return _gateway_class(settings.PAYMENT_GATEWAY)()
