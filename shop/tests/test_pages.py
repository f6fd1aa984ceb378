"""The shop's pages (R35, R36): buy box, cart, checkout and its refusals, my orders, an order; the admin."""

import re

import pytest
from django.test import Client

from accounts.models import Role, Tier
from accounts.tests.factories import AuthorFactory, UserFactory
from billing.models import TransactionKind, WalletTransaction
from catalog.models import Book
from shop.checkout import checkout
from shop.models import CartItem, Order, OrderStatus
from shop.services import add_to_cart

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(make_customer):
    return make_customer(Tier.FREE, balance=300_000)


@pytest.fixture
def browser(customer) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(customer.user)
    return client


def _key(page: str) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page).group(1)


def test_the_book_page_offers_the_buy_box_to_customers_R34_R35(browser, make_book):
    book = make_book(price=45_000, stock=3)
    page = browser.get(f"/books/{book.pk}/").content.decode()
    assert "Add to cart" in page and "3 copies for sale." in page and 'href="/cart/"' in page
    response = browser.post(f"/books/{book.pk}/add-to-cart/", {"quantity": "2"}, follow=True)
    assert "is in your cart (2 in all)" in response.content.decode()
    assert CartItem.objects.get().quantity == 2


def test_others_see_the_stock_but_no_form_R34(make_book):
    book = make_book(stock=0)
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/books/{book.pk}/").content.decode()
    assert "Out of stock for now." in page and "Add to cart" not in page
    author = Client(HTTP_ACCEPT_LANGUAGE="en")
    author.force_login(AuthorFactory().user)
    assert "Only customers buy books." in author.get(f"/books/{make_book(stock=2).pk}/").content.decode()
    assert author.get("/cart/").status_code == 403


def test_the_cart_page_changes_removes_and_totals_R35(browser, customer, make_book):
    first, second = make_book(price=10_000, title="Suvashun"), make_book(price=5_000, title="Kelidar")
    add_to_cart(customer=customer, book=first, quantity=1)
    add_to_cart(customer=customer, book=second, quantity=2)
    item = CartItem.objects.get(book=first)
    assert browser.post(f"/cart/items/{item.pk}/", {"quantity": "4"}).status_code == 302
    page = browser.get("/cart/").content.decode()
    assert "50,000 toman" in page and "Pay 50,000 toman and place the order" in page
    assert browser.post(f"/cart/items/{item.pk}/", {"quantity": "0"}).status_code == 400
    browser.post(f"/cart/items/{CartItem.objects.get(book=second).pk}/remove/")
    assert list(CartItem.objects.values_list("book_id", "quantity")) == [(first.pk, 4)]


def test_checkout_from_the_page_shows_the_order_and_a_resubmit_buys_nothing_more_R35(browser, customer, make_book):
    book = make_book(price=20_000, stock=5, title="Bamdad")
    add_to_cart(customer=customer, book=book, quantity=2)
    key = _key(browser.get("/cart/").content.decode())
    response = browser.post("/cart/checkout/", {"idempotency_key": key})
    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.pk}/"
    page = browser.get(response["Location"]).content.decode()
    assert "Bamdad" in page and "40,000 toman" in page and "Placed" in page
    browser.post("/cart/checkout/", {"idempotency_key": key})
    assert Order.objects.count() == 1
    orders = browser.get("/orders/").content.decode()
    assert f"Order #{order.pk}" in orders and "20,000 toman" in orders


def test_a_refused_checkout_shows_the_short_books_and_keeps_the_cart_R35(browser, customer, make_book):
    book = make_book(price=1_000, stock=1, title="Kelidar")
    add_to_cart(customer=customer, book=book, quantity=3)
    response = browser.post("/cart/checkout/", {"idempotency_key": "a1"})
    assert response.status_code == 409
    page = response.content.decode()
    assert 'id="short-books"' in page and "you asked for 3, 1 for sale" in page
    assert CartItem.objects.filter(customer=customer).count() == 1


def test_a_short_wallet_shows_the_shortfall_and_a_charge_link_R35_R11(browser, customer, make_book):
    add_to_cart(customer=customer, book=make_book(price=310_000, stock=1), quantity=1)
    response = browser.post("/cart/checkout/", {"idempotency_key": "a2"})
    assert response.status_code == 402
    page = response.content.decode()
    assert "Your wallet lacks 10,000 toman" in page and "/wallet/?amount=" in page
    assert CartItem.objects.filter(customer=customer).exists()


def test_another_customers_order_is_404_R36(browser, make_customer, make_book):
    other = make_customer(balance=10_000)
    add_to_cart(customer=other, book=make_book(price=1_000, stock=1), quantity=1)
    order = checkout(customer=other).order
    assert browser.get(f"/orders/{order.pk}/").status_code == 404


def test_the_admin_lists_orders_and_its_actions_call_the_services_R36_R27(customer, make_book):
    book = make_book(price=8_000, stock=2)
    add_to_cart(customer=customer, book=book, quantity=2)
    order = checkout(customer=customer).order
    admin = Client(HTTP_ACCEPT_LANGUAGE="en")
    admin.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True))
    assert admin.get("/admin/shop/order/?status__exact=placed").status_code == 200
    change = admin.get(f"/admin/shop/order/{order.pk}/change/")
    assert change.status_code == 200 and 'name="status"' not in change.content.decode()
    admin.post("/admin/shop/order/", {"action": "cancel_and_refund", "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert Book.objects.get(pk=book.pk).stock == 2
    assert WalletTransaction.objects.filter(customer=customer, kind=TransactionKind.REFUND).count() == 1
    response = admin.post(
        "/admin/shop/order/", {"action": "mark_fulfilled", "_selected_action": [order.pk]}, follow=True
    )
    assert "no longer placed" in response.content.decode()
