"""Forms of the wallet and subscription pages (R17, R18, R20).

The ranges (amount, months) are the services' to check, so the pages show the rule's
own message; the forms check only the types and what the browser should offer.
"""

import uuid

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, ngettext

from accounts.models import TIER_RULES, Tier
from core.formatting import number, toman

from .rules import MAX_CHARGE, MIN_CHARGE
from .services import MAX_MONTHS


def charge_range() -> str:
    """ "From 10,000 to 50,000,000 toman.", in the page's language."""
    return gettext("From %(min)s to %(max)s.") % {"min": number(MIN_CHARGE), "max": toman(MAX_CHARGE)}


class ChargeForm(forms.Form):
    """Charge the wallet; the hidden key makes a double submit charge once (R17)."""

    amount = forms.IntegerField(
        label=gettext_lazy("Amount (toman)"),
        help_text=lazy(charge_range, str)(),
        widget=forms.NumberInput(attrs={"min": MIN_CHARGE, "max": MAX_CHARGE, "step": 1, "inputmode": "numeric"}),
        error_messages={
            "required": gettext_lazy("Enter an amount."),
            "invalid": gettext_lazy("Enter a whole number of toman."),
        },
    )
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)  # checked by the service
    next = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)

    @staticmethod
    def new_key() -> str:
        return uuid.uuid4().hex


class ChargePrefillForm(forms.Form):
    """The wallet page's ``?amount=``: the amount to fill in (R11); a bad one is ignored.

    A form field, not ``str.isdigit()``: that accepts "²" and "①", which ``int()`` refuses.
    """

    amount = forms.IntegerField(required=False, min_value=1)

    def amount_or_none(self) -> int | None:
        return self.cleaned_data["amount"] if self.is_valid() else None


def tier_choice_label(tier: str) -> str:
    """ "Plus · 50,000 toman a month", in the page's language."""
    return gettext("%(tier)s · %(price)s a month") % {
        "tier": Tier(tier).label,
        "price": toman(TIER_RULES[tier].monthly_price),
    }


def months_label(months: int) -> str:
    return ngettext("%(months)s month", "%(months)s months", months) % {"months": number(months)}


class SubscriptionChoiceForm(forms.Form):
    """A tier and a number of months to buy, renew or upgrade to (R18)."""

    tier = forms.ChoiceField(
        label=gettext_lazy("Tier"), choices=[(tier, lazy(tier_choice_label, str)(tier)) for tier in TIER_RULES]
    )
    months = forms.TypedChoiceField(
        label=gettext_lazy("Months"),
        coerce=int,
        choices=[(months, lazy(months_label, str)(months)) for months in range(1, MAX_MONTHS + 1)],
        initial=1,
    )
