"""The words billing writes for a customer to read later: ledger references and notifications.

Each is written in the customer's language (``accounts.languages.speaking_to``), since it is
stored and read later, not shown to whoever made the request (R40). Implements R40.
"""

from datetime import datetime

from django.utils.translation import gettext, ngettext

from accounts.languages import speaking_to
from accounts.models import Customer, Tier
from core.formatting import local_time, number


def subscription_reference(customer: Customer, tier: str, months: int) -> str:
    """ "Plus × 3 months": the ledger row of a purchase (R18, R19)."""
    with speaking_to(customer.user):
        text = ngettext("%(tier)s × %(months)s month", "%(tier)s × %(months)s months", months)
        return text % {"tier": Tier(tier).label, "months": number(months)}


def refund_reference(customer: Customer, plus_ended_at: datetime) -> str:
    """ "Unused Plus until …": the refund row of an upgrade (R18)."""
    with speaking_to(customer.user):
        return gettext("Unused Plus until %(end)s") % {"end": local_time(plus_ended_at)}


def renewal_reference(customer: Customer) -> str:
    with speaking_to(customer.user):
        return gettext("%(tier)s auto-renewal × 1 month") % {"tier": Tier(customer.tier).label}


def renewed_message(customer: Customer) -> str:
    """The notification of an auto-renewal (R20)."""
    with speaking_to(customer.user):
        return gettext("Your %(tier)s subscription was renewed until %(end)s.") % {
            "tier": Tier(customer.tier).label,
            "end": local_time(customer.subscription_ends_at),
        }


def ended_message(customer: Customer, tier: str) -> str:
    """The notification of a subscription's end (R5, R20): the wallet could not renew it, or it just ended."""
    with speaking_to(customer.user):
        if customer.auto_renew:
            text = gettext(
                "Your %(tier)s subscription ended because your wallet could not pay the renewal. "
                "You are on the Free tier now."
            )
        else:
            text = gettext("Your %(tier)s subscription ended because it reached its end. You are on the Free tier now.")
        return text % {"tier": Tier(tier).label}
