"""Run the demo shop's events (demo/shop_data.py) through the real services (R34–R38).

As demo/steps.py does for lending: stock by ``update_book`` as the admin, purchases by
``add_to_cart`` and ``checkout``, orders closed by ``cancel_order`` and ``fulfil_order``,
reviews by ``write_review`` and wishes by ``add_wish``, each at its own moment in the past.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import assert_never

from accounts.models import Customer, User
from billing.services import charge_wallet
from catalog.models import Book
from catalog.services import update_book
from reviews.services import write_review
from shop.checkout import checkout
from shop.models import Order
from shop.orders import cancel_order, fulfil_order
from shop.services import add_to_cart
from wishlist.services import add_wish

from .shop_data import Buy, Cancel, Fulfil, Review, ShopCharge, ShopStep, Stock, Wish


@dataclass
class ShopStory:
    """The shop's part of the demo history; `books` by key, `admin` the one who edits stock."""

    books: dict[str, Book]
    admin: User
    orders: dict[str, int] = field(default_factory=dict)

    def run(self, step: ShopStep, at: datetime) -> None:
        """Run one shop step at `at` through the service it stands for."""
        match step:
            case Stock(book=book, stock=stock):
                update_book(book=self.books[book], by=self.admin, data={"stock": stock}, now=at)
            case ShopCharge(username=username, amount=amount):
                key = f"seed-{username}-shop-{step.days_ago}"
                charge_wallet(customer=customer(username), amount=amount, idempotency_key=key, now=at)
            case Buy(username=username, lines=lines, order=name):
                for book, quantity in lines:
                    add_to_cart(customer=customer(username), book=self.books[book], quantity=quantity)
                if name:
                    self.orders[name] = checkout(customer=customer(username), now=at).order.pk
            case Cancel(order=name):
                cancel_order(order=self.order(name), now=at)
            case Fulfil(order=name):
                fulfil_order(order=self.order(name), now=at)
            case Review(username=username, book=book, rating=rating, text=text):
                write_review(customer=customer(username), book=self.books[book], rating=rating, text=text, now=at)
            case Wish(username=username, book=book):
                add_wish(customer=customer(username), book=self.books[book], now=at)
            case _:
                assert_never(step)

    def order(self, name: str) -> int:
        return Order.objects.values_list("pk", flat=True).get(pk=self.orders[name])


def customer(username: str) -> Customer:
    # Fresh each time: earlier steps change balances under row locks.
    return Customer.objects.select_related("user").get(user__username=username)
