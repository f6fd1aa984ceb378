"""``{% load queue_costs %}{% queued_cost_warning customer balance_after paying %}``: warn before a payment
leaves the wallet short of the queued loans' prices (issue 17; reservations.wallet_cover).

Placed on billing's subscription confirm page the way the book page places
``{% reserve_box %}``: billing does not import lending; the template composes the two.
"""

from django import template
from django.utils import timezone

from billing.views import wallet_charge_url

from ..wallet_cover import queued_costs, uncovered_total

register = template.Library()


@register.inclusion_tag("reservations/_queued_cost_warning.html", takes_context=True)
def queued_cost_warning(context, customer, balance_after: int, paying: int = 0) -> dict:
    costs = queued_costs(customer, timezone.now(), balance=balance_after, paying=paying)
    short = [cost for cost in costs if not cost.covered]
    shortfall = uncovered_total(costs, balance_after)
    request = context.get("request")
    return {
        "short": short,
        "balance_after": balance_after,
        "shortfall": shortfall,
        "charge_url": wallet_charge_url(shortfall, request.get_full_path() if request else None) if short else "",
    }
