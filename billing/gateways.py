"""Payment gateways: a pluggable backend chosen by the PAYMENT_GATEWAY setting (R17)."""

import uuid
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

    def charge(self, *, customer_id: int, amount: int, idempotency_key: str | None) -> GatewayResult:
        raise NotImplementedError


class FakeGateway(PaymentGateway):
    """Approve every charge: the default, for development and demos."""

    def charge(self, *, customer_id: int, amount: int, idempotency_key: str | None) -> GatewayResult:
        return GatewayResult(approved=True, reference=f"fake-{uuid.uuid4().hex[:16]}")


class DecliningGateway(PaymentGateway):
    """Decline every charge: for tests and for switching payments off."""

    def charge(self, *, customer_id: int, amount: int, idempotency_key: str | None) -> GatewayResult:
        return GatewayResult(approved=False, reference="", message="Declined by the gateway.")


@cache
def _gateway_class(path: str) -> type[PaymentGateway]:
    return import_string(path)


def get_gateway() -> PaymentGateway:
    """Return an instance of the gateway named in settings.PAYMENT_GATEWAY."""
    return _gateway_class(settings.PAYMENT_GATEWAY)()
