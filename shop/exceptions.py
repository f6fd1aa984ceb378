"""Refusals of the cart, checkout and order rules, each with its stable code (R26, R35, R36)."""

from django.utils.translation import gettext_lazy

from core.exceptions import Conflict, DomainError, InvalidInput


class InvalidQuantity(InvalidInput):
    """A cart quantity is a whole number from 1 to 10 (R35); 0 is refused: remove the item instead."""

    code = "invalid_quantity"
    default_message = gettext_lazy("Choose a quantity from 1 to 10. To take a book out, remove it.")


class CartQuantityExceeded(InvalidInput):
    """Adding would put more than 10 copies of one book in the cart (R35). Implements R35."""

    code = "cart_quantity_exceeded"
    default_message = gettext_lazy("A cart holds at most 10 copies of one book.")

    def __init__(self, *, in_cart: int, message: str | None = None) -> None:
        super().__init__(message, in_cart=in_cart)
        self.in_cart = in_cart


class BookNotForSale(InvalidInput):
    """A withdrawn book is kept for its history, not sold (R28)."""

    code = "book_not_for_sale"
    default_message = gettext_lazy("This book has been withdrawn from the catalog and is not for sale.")


class CartItemNotFound(DomainError):
    """No such item in this customer's cart: another's item is not found either."""

    code = "not_found"
    status = 404
    default_message = gettext_lazy("No such item in your cart.")


class CartEmpty(InvalidInput):
    code = "cart_empty"
    default_message = gettext_lazy("Your cart is empty.")


class CartChanged(Conflict):
    """The cart kept changing while it was being checked out; nothing was bought."""

    code = "cart_changed"
    default_message = gettext_lazy("Your cart changed during checkout. Nothing was bought; please try again.")


class OutOfStock(Conflict):
    """Some books of the cart have fewer copies for sale than asked: nothing was bought (R35).

    `books` lists every short book as ``{book, requested, available}``. Implements R35.
    """

    code = "out_of_stock"
    default_message = gettext_lazy("Some books in your cart do not have enough copies for sale. Nothing was bought.")

    def __init__(self, *, books: list[dict], message: str | None = None) -> None:
        super().__init__(message, books=books)
        self.books = books


class OrderNotPlaced(Conflict):
    """Only a placed order is fulfilled or cancelled (R36). Implements R36."""

    code = "order_not_placed"
    default_message = gettext_lazy("This order is no longer placed: it was already fulfilled or cancelled.")


class OrderNotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = gettext_lazy("No such order.")
