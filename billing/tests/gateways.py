"""Payment gateways for tests that count their calls (R17).

``get_gateway()`` makes a new instance per charge, so the record is kept on the module,
shared by every gateway here and every thread: ``CALLS`` lists each call's
``(customer_id, amount, idempotency_key)``. Reset it with ``reset()`` (the
``gateway_calls`` fixture does). Select one with pytest-django's ``settings`` fixture:
``settings.PAYMENT_GATEWAY = "billing.tests.gateways.CountingGateway"``.

``during_next_call(action)`` runs `action` inside the next call of a CountingGateway,
after it is recorded: a request that arrives while the provider is still working,
without the timing of threads.
"""

import threading
import time
from collections.abc import Callable

from billing.gateways import GatewayResult, PaymentGateway

CALLS: list[tuple[int, int, str]] = []
_lock = threading.Lock()
_next_call_actions: list[Callable[[], object]] = []


def reset() -> None:
    with _lock:
        CALLS.clear()
        _next_call_actions.clear()


def during_next_call(action: Callable[[], object]) -> None:
    """Run `action` once, inside the next CountingGateway call."""
    with _lock:
        _next_call_actions.append(action)


def _take_action() -> Callable[[], object] | None:
    with _lock:
        return _next_call_actions.pop() if _next_call_actions else None


def _record(customer_id: int, amount: int, idempotency_key: str) -> int:
    with _lock:
        CALLS.append((customer_id, amount, idempotency_key))
        return len(CALLS)


class CountingGateway(PaymentGateway):
    """Approve every charge and record the call."""

    delay = 0.0  # seconds spent "at the provider", after the call is recorded

    def charge(self, *, customer_id: int, amount: int, idempotency_key: str) -> GatewayResult:
        number = _record(customer_id, amount, idempotency_key)
        if action := _take_action():
            action()
        time.sleep(self.delay)
        return GatewayResult(approved=True, reference=f"counted-{number}")


class SlowCountingGateway(CountingGateway):
    """A CountingGateway that takes 50 ms, so concurrent repeats arrive while it works."""

    delay = 0.05


class DecliningCountingGateway(PaymentGateway):
    """Decline every charge and record the call."""

    def charge(self, *, customer_id: int, amount: int, idempotency_key: str) -> GatewayResult:
        _record(customer_id, amount, idempotency_key)
        return GatewayResult(approved=False, reference="declined-1", message="Card expired.")


class TimingOutGateway(PaymentGateway):
    """Record the call, then time out: the provider may or may not have charged."""

    def charge(self, *, customer_id: int, amount: int, idempotency_key: str) -> GatewayResult:
        _record(customer_id, amount, idempotency_key)
        raise TimeoutError("The payment provider did not answer in time.")
