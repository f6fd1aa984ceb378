"""The cart's use cases (R35): add a book, change its quantity, remove it, and the cart as shown.

Every change locks the customer's row first (``billing.services.lock_customer``), so two
requests of one customer (a double click, two tabs) change the cart one after the other:
"adding a book already there adds to it" never loses a copy nor goes past 10. No book is
locked: stock is checked at checkout, not when adding (R35). Checkout is
``shop.checkout.checkout``; cancelling and fulfilling orders ``shop.orders``.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Customer
from billing.services import lock_customer
from catalog.models import Book

from .exceptions import BookNotForSale, CartItemNotFound, CartQuantityExceeded, InvalidQuantity
from .models import MAX_QUANTITY, CartItem


def validate_quantity(quantity: object) -> int:
    """A quantity is a whole number from 1 to 10 (R35); 0 is refused: the item is removed instead."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidQuantity()
    return quantity


def _book_for_sale(book: Book | int) -> Book:
    book_id = book if isinstance(book, int) else book.pk
    found = Book.objects.filter(pk=book_id).first()
    if found is None:  # the API passes the id: a field of its body, so an input error
        raise ValidationError({"book": [_("No such book.")]}, code="does_not_exist")
    if found.is_withdrawn:
        raise BookNotForSale()
    return found


def add_to_cart(*, customer: Customer, book: Book | int, quantity: int) -> CartItem:
    """Put `quantity` copies of `book` in the cart, added to those already there (R35).

    More than 10 copies of one book in all is refused (400 ``cart_quantity_exceeded``);
    a withdrawn book is not for sale (R28). Stock is not checked here.

    Implements R35.
    """
    quantity = validate_quantity(quantity)
    book = _book_for_sale(book)
    with transaction.atomic():
        lock_customer(customer, with_user=False)
        item = CartItem.objects.filter(customer=customer, book=book).first()
        in_cart = item.quantity if item else 0
        if in_cart + quantity > MAX_QUANTITY:
            raise CartQuantityExceeded(in_cart=in_cart)
        if item is None:
            item = CartItem.objects.create(customer=customer, book=book, quantity=quantity)
        else:
            item.quantity = in_cart + quantity
            item.save(update_fields=["quantity"])
    item.book = book
    return item


def _locked_item(customer: Customer, item: CartItem | int) -> CartItem:
    item_id = item if isinstance(item, int) else item.pk
    found = CartItem.objects.select_related("book").filter(pk=item_id, customer=customer).first()
    if found is None:  # another customer's item is not found either
        raise CartItemNotFound()
    return found


def change_quantity(*, customer: Customer, item: CartItem | int, quantity: int) -> CartItem:
    """Set an item's quantity, 1 to 10 (R35); 0 is refused: remove the item instead. Implements R35."""
    quantity = validate_quantity(quantity)
    with transaction.atomic():
        lock_customer(customer, with_user=False)
        found = _locked_item(customer, item)
        found.quantity = quantity
        found.save(update_fields=["quantity"])
    return found


def remove_from_cart(*, customer: Customer, item: CartItem | int) -> None:
    """Take an item out of the customer's cart (R35)."""
    with transaction.atomic():
        lock_customer(customer, with_user=False)
        _locked_item(customer, item).delete()


@dataclass(frozen=True)
class CartLine:
    item: CartItem
    unit_price: int  # the book's price now (R35: the cart shows current prices)

    @property
    def line_total(self) -> int:
        return self.item.quantity * self.unit_price

    @property
    def for_sale(self) -> bool:
        """Whether checkout could sell it now: not withdrawn and enough copies (as last read)."""
        book = self.item.book
        return not book.is_withdrawn and book.stock >= self.item.quantity


@dataclass(frozen=True)
class Cart:
    lines: list[CartLine]

    @property
    def total(self) -> int:
        return sum(line.line_total for line in self.lines)

    @property
    def copies(self) -> int:
        return sum(line.item.quantity for line in self.lines)


def cart_of(customer: Customer) -> Cart:
    """The customer's cart at the books' current prices, in the order the books were added (R35)."""
    items = CartItem.objects.filter(customer=customer).select_related("book").order_by("added_at", "id")
    return Cart(lines=[CartLine(item=item, unit_price=item.book.price) for item in items])
