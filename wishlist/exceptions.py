"""Refusals of the wishlist (R38), each with the stable code the API returns (R26)."""

from django.utils.translation import gettext_lazy

from core.exceptions import DomainError


class NotWished(DomainError):
    """The book is not on the customer's wishlist."""

    code = "not_found"
    status = 404
    default_message = gettext_lazy("This book is not on your wishlist.")
