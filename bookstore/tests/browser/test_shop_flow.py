"""Buying in a real browser (R34, R35, R36): the book page's buy box → the cart → checkout → the order page."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Tier
from catalog.models import Book
from catalog.tests.factories import BookFactory
from shop.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_adds_a_book_to_the_cart_checks_out_and_sees_the_order_R35_R36(
    page, live_server, log_in, make_customer
):
    customer = make_customer(tier=Tier.FREE, balance=200_000, user__username="golshiri")
    book = BookFactory(title="Shazdeh Ehtejab", price=35_000, stock=4)
    log_in(page, "golshiri")

    page.goto(f"{live_server.url}/books/{book.pk}/")
    box = page.locator("#buy-box")
    expect(box).to_contain_text("4 copies for sale.")
    box.get_by_label("Quantity").fill("2")
    box.get_by_role("button", name="Add to cart").click()
    expect(page.locator("ul.messages")).to_contain_text("“Shazdeh Ehtejab” is in your cart (2 in all).")

    page.locator("#buy-box").get_by_role("link", name="See my cart").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My cart")
    expect(page.locator("#cart-total")).to_have_text("70,000 toman")
    page.get_by_role("button", name=re.compile("Pay 70,000 toman")).click()

    expect(page.locator("ul.messages")).to_contain_text("Your order is placed")
    order = Order.objects.get(customer=customer)
    assert page.url.endswith(f"/orders/{order.pk}/")
    expect(page.locator("#order-total")).to_have_text("70,000 toman")
    expect(page.get_by_role("row", name=re.compile("Shazdeh Ehtejab"))).to_contain_text("35,000 toman")
    assert Book.objects.get(pk=book.pk).stock == 2
    customer.refresh_from_db()
    assert customer.balance == 130_000

    page.goto(f"{live_server.url}/orders/")
    expect(page.get_by_role("heading", name=re.compile(f"Order #{order.pk}"))).to_be_visible()
