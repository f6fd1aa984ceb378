"""Catalog pages: the list with search, filters and pages; a book; reserving it (R1–R12)."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from accounts.models import Role, Tier
from accounts.tests.factories import AuthorFactory, UserFactory
from accounts.tests.test_pages import assert_page_basics, text_of
from catalog.tests.factories import BookFactory, GenreFactory, make_isbn13
from reservations.models import Reservation, Status
from reservations.services import reserve

pytestmark = pytest.mark.django_db


# --- The list ---------------------------------------------------------------------------


def test_home_page_is_the_catalog_with_availability(client, make_book, make_customer, now):
    free = make_book(units=2, title="Animal Farm")
    taken = make_book(units=1, title="Mrs Dalloway")
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=taken, days=2, now=now)
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=taken, days=2, now=now)  # queued
    response = client.get("/")
    assert response.status_code == 200
    assert_page_basics(response)
    text = text_of(response)
    assert "2 books" in text
    assert "Animal Farm" in text and "2 of 2 available" in text
    assert "Mrs Dalloway" in text and "None free" in text and "1 waiting" in text
    assert f'href="/books/{free.pk}/"' in response.content.decode()


def test_search_finds_title_author_and_isbn(client, make_book):
    author = AuthorFactory(user__first_name="Sadegh", user__last_name="Hedayat")
    blind_owl = make_book(title="بوف کور", authors=[author])
    make_book(title="Animal Farm")
    for query in ("بوف", "Hedayat", blind_owl.isbn):
        text = text_of(client.get("/", {"q": query}))
        assert "بوف کور" in text and "Animal Farm" not in text, query
        assert "1 book found" in text


def test_genre_and_available_filters(client, make_book, make_customer, now):
    poetry = GenreFactory(name="Poetry", slug="poetry")
    make_book(title="Divan", genre=poetry)
    busy = make_book(title="Masnavi", genre=poetry, units=1)
    make_book(title="Animal Farm")
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=busy, days=1, now=now)

    text = text_of(client.get("/", {"genre": "poetry"}))
    assert "Divan" in text and "Masnavi" in text and "Animal Farm" not in text
    text = text_of(client.get("/", {"genre": "poetry", "available": "1"}))
    assert "Divan" in text and "Masnavi" not in text


def test_unknown_genre_or_too_long_search_is_a_400_with_the_error(client):
    response = client.get("/", {"genre": "no-such-genre"})
    assert response.status_code == 400
    assert "Select a valid choice." in text_of(response)
    response = client.get("/", {"q": "x" * 201})
    assert response.status_code == 400
    assert "at most 200 characters" in text_of(response)


def test_pages_of_twelve_keep_the_search(client):
    genre = GenreFactory(name="Essays", slug="essays")
    for n in range(13):
        BookFactory(title=f"Essay {n:02d}", genre=genre, isbn=make_isbn13(900_000 + n))
    first = client.get("/", {"genre": "essays"})
    html = first.content.decode()
    assert html.count('class="book-card"') == 12
    assert "Page 1 of 2" in text_of(first)
    next_link = html[html.index('rel="next"') - 80 : html.index('rel="next"')]
    assert "genre=essays" in next_link and "page=2" in next_link
    second = client.get("/", {"genre": "essays", "page": "2"})
    assert second.content.decode().count('class="book-card"') == 1
    assert client.get("/", {"page": "999"}).status_code == 200  # out of range: the last page


# --- A book -----------------------------------------------------------------------------


def test_book_page_shows_authors_genre_availability_and_queue(client, make_book, make_customer, now):
    author = AuthorFactory(user__first_name="Mahmoud", user__last_name="Dowlatabadi")
    book = make_book(units=1, title="کلیدر", description="A saga of Khorasan.", authors=[author])
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=2, now=now)
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=2, now=now)
    response = client.get(f"/books/{book.pk}/")
    assert response.status_code == 200
    html = assert_page_basics(response)
    text = text_of(response)
    assert '<h1 dir="auto">کلیدر</h1>' in html
    assert "Mahmoud Dowlatabadi" in text and book.genre.name in text and book.isbn in text
    assert "None free" in text and "1 waiting" in text and "A saga of Khorasan." in text
    assert "250,000 toman" in text  # the list price


def test_unknown_book_is_the_404_page(client):
    response = client.get("/books/999999/")
    assert response.status_code == 404 and "Page not found" in text_of(response)


def test_anonymous_visitor_gets_a_login_link_back_to_the_book(client, make_book):
    book = make_book()
    response = client.get(f"/books/{book.pk}/")
    html = response.content.decode()
    assert f'href="/accounts/login/?next=%2Fbooks%2F{book.pk}%2F"' in html
    assert 'name="days"' not in html


def test_free_customer_is_pointed_to_the_subscription_R1(client, make_book, make_customer):
    client.force_login(make_customer(Tier.FREE).user)
    response = client.get(f"/books/{make_book().pk}/")
    assert "Reserving needs Plus or Premium" in text_of(response)
    assert 'href="/subscription/"' in response.content.decode()
    assert 'name="days"' not in response.content.decode()


def test_lapsed_plus_counts_as_free_R5(client, make_book, make_customer):
    client.force_login(make_customer(Tier.PLUS, ends_in=-timedelta(minutes=1)).user)
    assert "Reserving needs Plus or Premium" in text_of(client.get(f"/books/{make_book().pk}/"))


@pytest.mark.parametrize(("tier", "max_days"), [(Tier.PLUS, 7), (Tier.PREMIUM, 14)])
def test_days_offered_stop_at_the_tier_maximum_R2_R3_R4(client, make_book, make_customer, tier, max_days):
    client.force_login(make_customer(tier, balance=50_000).user)
    response = client.get(f"/books/{make_book().pk}/")
    html = assert_page_basics(response)
    assert f'<option value="{max_days}"' in html and f'<option value="{max_days + 1}"' not in html
    assert f"{max_days} days · {max_days * 1000:,} toman" in html
    assert "Reserve now" in html


def test_authors_and_admins_see_no_reserve_form(client, make_book):
    book = make_book()
    for user in (AuthorFactory().user, UserFactory(role=Role.ADMIN)):
        client.force_login(user)
        response = client.get(f"/books/{book.pk}/")
        assert "Only customers reserve books" in text_of(response)
        assert 'name="days"' not in response.content.decode()


# --- Reserving --------------------------------------------------------------------------


def test_reserve_with_a_free_unit_starts_the_loan_and_charges_R9(client, make_book, make_customer):
    customer = make_customer(Tier.PLUS, balance=10_000)
    book = make_book(units=1, title="Animal Farm")
    client.force_login(customer.user)
    response = client.post(f"/books/{book.pk}/reserve/", {"days": "3"})
    assert response.status_code == 302 and response["Location"] == "/reservations/"
    reservation = Reservation.objects.get(customer=customer)
    assert reservation.status == Status.ACTIVE and reservation.price == 3_000
    customer.refresh_from_db()
    assert customer.balance == 7_000
    text = text_of(client.get("/reservations/"))
    assert "“Animal Farm” is yours until" in text and "3,000 toman was charged" in text


def test_reserve_without_a_free_unit_joins_the_queue_R12(client, make_book, make_customer, now):
    book = make_book(units=1)
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=2, now=now)
    customer = make_customer(Tier.PLUS, balance=10_000)
    client.force_login(customer.user)
    page = client.get(f"/books/{book.pk}/")
    assert "Join the queue" in text_of(page) and "Nothing is charged until a copy is yours" in text_of(page)
    response = client.post(f"/books/{book.pk}/reserve/", {"days": "2"})
    assert response.status_code == 302
    assert Reservation.objects.get(customer=customer).status == Status.QUEUED
    customer.refresh_from_db()
    assert customer.balance == 10_000
    assert "you joined its queue at place 1" in text_of(client.get("/reservations/"))
    assert "You are in the queue at place 1" in text_of(client.get(f"/books/{book.pk}/"))


def test_short_wallet_lands_on_the_charge_page_with_the_shortfall_R11(client, make_book, make_customer):
    customer = make_customer(Tier.PLUS, balance=2_000)
    book = make_book()
    client.force_login(customer.user)
    response = client.post(f"/books/{book.pk}/reserve/", {"days": "7"})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/wallet/"
    assert parse_qs(location.query) == {"amount": ["5000"], "next": [f"/books/{book.pk}/"]}
    wallet = client.get(response["Location"])
    assert 'value="5000"' in wallet.content.decode()
    assert "Your wallet is 5,000 toman short." in text_of(wallet)
    assert not Reservation.objects.filter(customer=customer).exists()
    customer.refresh_from_db()
    assert customer.balance == 2_000


def test_a_small_shortfall_is_filled_in_as_the_minimum_charge_R11_R17(client, make_book, make_customer):
    customer = make_customer(Tier.PLUS, balance=2_500)
    client.force_login(customer.user)
    response = client.post(f"/books/{make_book().pk}/reserve/", {"days": "3"})
    assert parse_qs(urlsplit(response["Location"]).query)["amount"] == ["1000"]


def test_reserving_twice_shows_already_reserved_with_409_R8(client, make_book, make_customer):
    customer = make_customer(Tier.PLUS, balance=10_000)
    book = make_book(units=2)
    client.force_login(customer.user)
    client.post(f"/books/{book.pk}/reserve/", {"days": "1"})
    response = client.post(f"/books/{book.pk}/reserve/", {"days": "1"})
    assert response.status_code == 409
    assert_page_basics(response)
    assert "You already hold or are queued for this book." in text_of(response)
    assert Reservation.objects.filter(customer=customer).count() == 1


def test_the_active_limit_is_shown_with_409_R10(client, make_book, make_customer, now):
    customer = make_customer(Tier.PLUS, balance=50_000)
    for _ in range(5):
        reserve(customer=customer, book=make_book(), days=1, now=now)
    client.force_login(customer.user)
    response = client.post(f"/books/{make_book().pk}/reserve/", {"days": "1"})
    assert response.status_code == 409
    assert "Your Plus tier allows 5 active reservations." in text_of(response)


def test_free_customer_cannot_reserve_R1(client, make_book, make_customer):
    customer = make_customer(Tier.FREE, balance=10_000)
    client.force_login(customer.user)
    response = client.post(f"/books/{make_book().pk}/reserve/", {"days": "1"})
    assert response.status_code == 403
    assert "Reserving needs a Plus or Premium subscription." in text_of(response)
    assert not Reservation.objects.exists()


@pytest.mark.parametrize(("days", "message"), [("8", "Days must be from 1 to 7 on your tier."), ("0", "from 1 to")])
def test_days_beyond_the_tier_are_refused_with_400_R4(client, make_book, make_customer, days, message):
    client.force_login(make_customer(Tier.PLUS, balance=50_000).user)
    response = client.post(f"/books/{make_book().pk}/reserve/", {"days": days})
    assert response.status_code == 400 and message in text_of(response)
    assert not Reservation.objects.exists()


def test_days_that_are_not_a_number_are_refused_with_400(client, make_book, make_customer):
    client.force_login(make_customer(Tier.PLUS, balance=50_000).user)
    response = client.post(f"/books/{make_book().pk}/reserve/", {"days": "three"})
    assert response.status_code == 400 and "Days must be a whole number." in text_of(response)


def test_anonymous_reserve_goes_to_login_then_back_to_the_book(client, make_book):
    book = make_book()
    response = client.post(f"/books/{book.pk}/reserve/", {"days": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/books/{book.pk}/"


def test_authors_get_the_403_page_when_reserving(client, make_book):
    client.force_login(AuthorFactory().user)
    response = client.post(f"/books/{make_book().pk}/reserve/", {"days": "1"})
    assert response.status_code == 403 and "only they reserve books" in text_of(response)


def test_reserve_needs_post_and_csrf(make_book, make_customer):
    customer = make_customer(Tier.PLUS, balance=10_000)
    book = make_book()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(customer.user)
    assert strict.get(f"/books/{book.pk}/reserve/").status_code == 405
    assert strict.post(f"/books/{book.pk}/reserve/", {"days": "1"}).status_code == 403
    assert not Reservation.objects.exists()
    page = strict.get(f"/books/{book.pk}/")
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()


def test_reserving_an_unknown_book_is_404(client, make_customer):
    client.force_login(make_customer(Tier.PLUS, balance=10_000).user)
    assert client.post("/books/999999/reserve/", {"days": "1"}).status_code == 404
