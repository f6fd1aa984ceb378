"""Will the wallet cover the queued loans when they reach the customer? (issue 17)

A queued reservation is charged when it is promoted (R9, R13): a wallet that then holds
less than its price drops it from the queue. The customer is warned before, on each
queue row of my reservations and on the subscription confirm page, where paying for a
tier leaves less in the wallet. The price is the quote at now (R6, and R7's discount
with the payment about to be made counted as paid); the price on the day of promotion
can still differ when R7's windows move on. The entries are taken in the order they were
asked for, each from what the ones before it left in the wallet.
"""

from dataclasses import dataclass
from datetime import datetime

from accounts.models import Customer

from .models import Reservation, Status
from .pricing import History, history_of, quote


@dataclass(frozen=True)
class QueuedCost:
    reservation: Reservation
    price: int  # toman, charged at promotion
    covered: bool  # the wallet holds enough for it after the entries before it


def queued_costs(
    customer: Customer,
    now: datetime,
    *,
    balance: int | None = None,
    paying: int = 0,
    queued: list[Reservation] | None = None,
) -> list[QueuedCost]:
    """The customer's queued reservations with their price at promotion and whether ``balance`` covers them.

    ``balance`` defaults to the wallet now; ``paying`` is a payment about to be made (it
    counts as paid in R7 and is not in ``balance``'s default). ``queued``: the customer's
    queued reservations in the order asked, when the caller has read them already.
    """
    if queued is None:
        queued = list(
            Reservation.objects.filter(customer=customer, status=Status.QUEUED)
            .select_related("book")
            .order_by("requested_at", "pk")
        )
    if not queued:
        return []
    now_history = history_of(customer, now)
    history = History(paid=now_history.paid + max(paying, 0), books_read=now_history.books_read)
    left = customer.balance if balance is None else balance
    costs = []
    for reservation in queued:
        price = quote(customer, reservation.days, now, history=history).price
        covered = price <= left
        left -= price if covered else 0
        costs.append(QueuedCost(reservation=reservation, price=price, covered=covered))
    return costs


def uncovered_total(costs: list[QueuedCost], balance: int) -> int:
    """What the wallet lacks for every queued loan: the charge that would cover them all."""
    return max(0, sum(cost.price for cost in costs) - balance)
