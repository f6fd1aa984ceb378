"""The role gates of the customers' pages, for every app's views."""

from collections.abc import Callable

from django.utils.translation import gettext_lazy

from core.pages import role_required

from .permissions import is_customer


def customer_page(back_to: str | Callable[..., str] | None = None) -> Callable:
    """A page or action for customers only (wallet, subscription, reservations)."""
    return role_required(
        is_customer,
        refusal=gettext_lazy("This page is for customers: only they reserve books and have a wallet."),
        back_to=back_to,
    )
