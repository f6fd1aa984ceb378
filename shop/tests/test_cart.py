"""The cart's rules (R35): add, add again, change, remove, the limits, current prices."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Tier
from catalog.models import Book
from shop.exceptions import BookNotForSale, CartItemNotFound, CartQuantityExceeded, InvalidQuantity
from shop.models import CartItem
from shop.services import add_to_cart, cart_of, change_quantity, remove_from_cart

pytestmark = pytest.mark.django_db


def test_adding_a_book_twice_adds_to_its_quantity_R35(make_customer, make_book):
    customer = make_customer(Tier.FREE)  # R34: any customer may buy, Free included
    book = make_book(stock=0)  # stock is not checked when adding
    add_to_cart(customer=customer, book=book, quantity=3)
    item = add_to_cart(customer=customer, book=book.pk, quantity=4)
    assert item.quantity == 7
    assert CartItem.objects.filter(customer=customer).count() == 1


def test_more_than_ten_copies_in_all_are_refused_R35(make_customer, make_book):
    customer, book = make_customer(), make_book()
    add_to_cart(customer=customer, book=book, quantity=8)
    with pytest.raises(CartQuantityExceeded) as refused:
        add_to_cart(customer=customer, book=book, quantity=3)
    assert refused.value.status == 400
    assert refused.value.as_dict()["in_cart"] == 8
    assert CartItem.objects.get(customer=customer).quantity == 8
    assert add_to_cart(customer=customer, book=book, quantity=2).quantity == 10


@pytest.mark.parametrize("quantity", [0, -1, 11, True, "2", 2.0])
def test_a_quantity_outside_1_to_10_is_refused_R35(make_customer, make_book, quantity):
    with pytest.raises(InvalidQuantity):
        add_to_cart(customer=make_customer(), book=make_book(), quantity=quantity)


def test_an_unknown_or_withdrawn_book_cannot_go_in_the_cart_R35_R28(make_customer, make_book, now):
    customer = make_customer()
    with pytest.raises(ValidationError) as unknown:
        add_to_cart(customer=customer, book=999_999, quantity=1)
    assert "book" in unknown.value.message_dict
    book = make_book()
    Book.objects.filter(pk=book.pk).update(withdrawn_at=now)
    with pytest.raises(BookNotForSale):
        add_to_cart(customer=customer, book=book.pk, quantity=1)
    assert not CartItem.objects.exists()


def test_changing_a_quantity_sets_it_and_zero_is_refused_R35(make_customer, make_book):
    customer = make_customer()
    item = add_to_cart(customer=customer, book=make_book(), quantity=2)
    assert change_quantity(customer=customer, item=item.pk, quantity=10).quantity == 10
    for wrong in (0, 11):
        with pytest.raises(InvalidQuantity):
            change_quantity(customer=customer, item=item.pk, quantity=wrong)
    item.refresh_from_db()
    assert item.quantity == 10


def test_another_customers_item_is_not_found_R35(make_customer, make_book):
    owner, other = make_customer(), make_customer()
    item = add_to_cart(customer=owner, book=make_book(), quantity=2)
    with pytest.raises(CartItemNotFound):
        change_quantity(customer=other, item=item.pk, quantity=1)
    with pytest.raises(CartItemNotFound):
        remove_from_cart(customer=other, item=item.pk)
    remove_from_cart(customer=owner, item=item.pk)
    assert not CartItem.objects.exists()


def test_the_cart_shows_current_prices_line_totals_and_the_total_R35(make_customer, make_book):
    customer = make_customer()
    first, second = make_book(price=100_000), make_book(price=30_000)
    add_to_cart(customer=customer, book=first, quantity=2)
    add_to_cart(customer=customer, book=second, quantity=3)
    Book.objects.filter(pk=first.pk).update(price=120_000)  # the price changed after adding
    cart = cart_of(customer)
    assert [(line.unit_price, line.line_total) for line in cart.lines] == [(120_000, 240_000), (30_000, 90_000)]
    assert cart.total == 330_000
    assert cart.copies == 5
