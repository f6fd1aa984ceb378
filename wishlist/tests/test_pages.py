"""The wish button on the book page and the My wishlist page (R38), without JavaScript."""

import pytest
from django.urls import reverse

from accounts.models import Role, Tier
from accounts.tests.factories import UserFactory
from wishlist.models import WishedBook

pytestmark = pytest.mark.django_db


def test_a_customer_wishes_and_unwishes_from_the_book_page_R38(client, make_customer, make_book):
    customer = make_customer(Tier.FREE)
    book = make_book(units=1, stock=0, title="Shazdeh Ehtejab")
    client.force_login(customer.user)
    page = reverse("book-detail", args=[book.pk])

    html = client.get(page).content.decode()
    assert "Add to my wishlist" in html and reverse("wishlist-add", args=[book.pk]) in html
    response = client.post(reverse("wishlist-add", args=[book.pk]), follow=True)
    assert response.redirect_chain[-1][0] == page
    html = response.content.decode()
    assert "is on your wishlist" in html and "Remove from my wishlist" in html
    assert WishedBook.objects.filter(customer=customer, book=book).exists()

    response = client.post(reverse("wishlist-remove", args=[book.pk]), {"next": page}, follow=True)
    assert response.redirect_chain[-1][0] == page
    assert "is off your wishlist" in response.content.decode()
    assert not WishedBook.objects.filter(customer=customer).exists()


def test_my_wishlist_lists_availability_and_stock_and_removes_R38(client, make_customer, make_book):
    customer = make_customer(Tier.FREE)
    free = make_book(units=2, stock=0, title="Buf-e Kur")
    sold = make_book(units=0, stock=3, title="Kelidar")
    client.force_login(customer.user)
    for book in (free, sold):
        client.post(reverse("wishlist-add", args=[book.pk]))

    html = client.get(reverse("wishlist")).content.decode()
    assert "Buf-e Kur" in html and "Kelidar" in html
    assert "2 available" in html and "None free" in html
    assert "For sale: 3 copies" in html and "Not for sale" in html

    response = client.post(reverse("wishlist-remove", args=[sold.pk]), {"next": "https://evil.example/"})
    assert response.url == reverse("wishlist")  # only a path on this site
    assert list(WishedBook.objects.values_list("book_id", flat=True)) == [free.pk]


def test_the_wishlist_is_for_customers_R38(client, make_book):
    book = make_book()
    assert client.get(reverse("wishlist")).status_code == 302  # to the login
    assert "Log in to add this book" in client.get(reverse("book-detail", args=[book.pk])).content.decode()
    client.force_login(UserFactory(role=Role.AUTHOR))
    assert client.get(reverse("wishlist")).status_code == 403
    assert client.post(reverse("wishlist-add", args=[book.pk])).status_code == 403
    assert "wishlist" not in client.get(reverse("book-detail", args=[book.pk])).content.decode().lower()
    assert client.get(reverse("wishlist-add", args=[book.pk])).status_code == 405
