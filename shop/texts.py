"""The words the shop writes for a customer to read later: ledger references and notifications.

Each is written in the customer's language (``accounts.languages.speaking_to``), since it is
stored and read later, not shown to whoever made the request (R40). Implements R40.
"""

from django.utils.translation import gettext, pgettext

from accounts.languages import speaking_to
from accounts.models import Customer
from core.formatting import number, persian_digits, toman

REFERENCE_LENGTH = 200  # WalletTransaction.reference


def _books(lines: list[tuple[str, int]]) -> str:
    """ "Suvashun × 2, Kelidar × 1": the books of a purchase, as one line."""
    separator = pgettext("list separator", ", ")
    return separator.join(
        pgettext("a book and its copies", "%(title)s × %(quantity)s") % {"title": title, "quantity": number(quantity)}
        for title, quantity in lines
    )


def purchase_reference(customer: Customer, lines: list[tuple[str, int]]) -> str:
    """ "Purchase: Suvashun × 2, Kelidar × 1": the ledger row of a checkout (R35, R19)."""
    with speaking_to(customer.user):
        text = gettext("Purchase: %(books)s") % {"books": _books(lines)}
    return text if len(text) <= REFERENCE_LENGTH else text[: REFERENCE_LENGTH - 1] + "…"


def refund_reference(customer: Customer, order_id: int) -> str:
    """ "Refund of cancelled order #12": the refund row of a cancelled order (R36)."""
    with speaking_to(customer.user):
        return gettext("Refund of cancelled order #%(order)s") % {"order": persian_digits(str(order_id))}


def cancelled_message(customer: Customer, order_id: int, total: int) -> str:
    """The notification of a cancelled order (R36)."""
    with speaking_to(customer.user):
        return gettext("Your order #%(order)s was cancelled. %(total)s was refunded to your wallet.") % {
            "order": persian_digits(str(order_id)),
            "total": toman(total),
        }
