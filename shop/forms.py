"""The shop's forms: how many copies (R35)."""

from django import forms
from django.utils.translation import gettext_lazy

from .models import MAX_QUANTITY


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(label=gettext_lazy("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1)


class CheckoutForm(forms.Form):
    """The cart page's Pay button: its key makes a second submit of the same page buy nothing more (R35)."""

    idempotency_key = forms.CharField(max_length=255, widget=forms.HiddenInput)
