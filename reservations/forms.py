"""The reserve form of the book page's reserve box (templatetags/lending.py)."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import TierRule
from core.formatting import number, toman

from .pricing import base_price


class ReserveForm(forms.Form):
    """Days to reserve, offered up to the tier's maximum; the service checks the range (R4)."""

    days = forms.IntegerField(
        label=gettext_lazy("Days"),
        widget=forms.Select,
        error_messages={
            "required": gettext_lazy("Choose the number of days."),
            "invalid": gettext_lazy("Days must be a whole number."),
        },
    )

    def __init__(self, *args, rule: TierRule | None = None, discount: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        max_days = rule.max_days if rule else 0
        choices = []
        for days in range(1, max_days + 1):
            price = base_price(days) * (100 - discount) // 100
            label = ngettext("%(days)s day · %(price)s", "%(days)s days · %(price)s", days)
            choices.append((days, label % {"days": number(days), "price": toman(price)}))
        self.fields["days"].widget.choices = choices


class RenewForm(ReserveForm):
    """More days for a running loan, each with its price now (R29); one per loan on my reservations."""

    def __init__(self, *args, reservation_id: int = 0, **kwargs):
        super().__init__(*args, auto_id=f"id_renew_{reservation_id}_%s", **kwargs)


class PauseForm(forms.Form):
    """The day a queued place is paused until: a date input bounded to tomorrow … 60 days on (R30)."""

    until = forms.DateField(
        label=gettext_lazy("Deliver from"),
        input_formats=["%Y-%m-%d"],  # what a date input sends, in every language
        error_messages={
            "required": gettext_lazy("Choose the day to pause until."),
            "invalid": gettext_lazy("Choose the day as a date."),
        },
    )

    def __init__(self, *args, reservation_id: int = 0, first: date | None = None, last: date | None = None, **kwargs):
        super().__init__(*args, auto_id=f"id_pause_{reservation_id}_%s", **kwargs)
        attrs = {"type": "date", "required": True}
        if first and last:
            attrs.update(min=first.isoformat(), max=last.isoformat(), value=first.isoformat())
        self.fields["until"].widget = forms.DateInput(attrs=attrs, format="%Y-%m-%d")
