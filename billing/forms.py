"""Forms of the wallet and subscription pages (R17, R18, R20).

The ranges (amount, months) are the services' to check, so the pages show the rule's
own message; the forms check only the types and what the browser should offer.
"""

import uuid

from django import forms

from accounts.models import TIER_RULES, Tier

from .rules import MAX_CHARGE, MIN_CHARGE
from .services import MAX_MONTHS


class ChargeForm(forms.Form):
    """Charge the wallet; the hidden key makes a double submit charge once (R17)."""

    amount = forms.IntegerField(
        label="Amount (toman)",
        help_text=f"From {MIN_CHARGE:,} to {MAX_CHARGE:,} toman.",
        widget=forms.NumberInput(attrs={"min": MIN_CHARGE, "max": MAX_CHARGE, "step": 1, "inputmode": "numeric"}),
        error_messages={"required": "Enter an amount.", "invalid": "Enter a whole number of toman."},
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
    rule = TIER_RULES[tier]
    return f"{Tier(tier).label} · {rule.monthly_price:,} toman a month"


class SubscriptionChoiceForm(forms.Form):
    """A tier and a number of months to buy, renew or upgrade to (R18)."""

    tier = forms.ChoiceField(choices=[(tier, tier_choice_label(tier)) for tier in TIER_RULES])
    months = forms.TypedChoiceField(
        coerce=int,
        choices=[(months, f"{months} month{'s' if months != 1 else ''}") for months in range(1, MAX_MONTHS + 1)],
        initial=1,
    )
