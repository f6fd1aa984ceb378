"""The reviews API (R37): status codes and bodies on success and refusal, and the book's rating fields."""

import pytest

from accounts.models import Role, Tier
from accounts.tests.factories import AuthorFactory, UserFactory
from catalog.models import Book
from reviews.models import Review
from reviews.services import write_review

pytestmark = pytest.mark.django_db

FIELDS = {"id", "book", "customer", "reviewer", "rating", "text", "created_at", "updated_at"}


def reviews_url(book) -> str:
    return f"/api/v1/books/{book.pk}/reviews/"


def review_url(review, action: str = "") -> str:
    return f"/api/v1/reviews/{review.pk}/{action}"


def test_a_borrower_posts_a_review_and_the_book_shows_rating_and_count_R37(
    make_book, make_borrower, client_for, api_client
):
    book = make_book()
    customer = make_borrower(book)
    response = client_for(customer.user).post(reviews_url(book), {"rating": 4, "text": "Good."}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == FIELDS
    assert (body["book"], body["customer"], body["rating"], body["text"]) == (book.pk, customer.pk, 4, "Good.")
    assert response["Location"] == review_url(Review.objects.get())
    detail = api_client.get(f"/api/v1/books/{book.pk}/").json()
    assert (detail["rating"], detail["reviews_count"]) == (4.0, 1)
    listed = api_client.get("/api/v1/books/").json()["results"][0]
    assert (listed["rating"], listed["reviews_count"]) == (4.0, 1)


def test_the_rating_is_null_without_reviews_and_rounded_to_one_decimal_R37(make_book, make_borrower, api_client):
    book = make_book(units=3)
    assert api_client.get(f"/api/v1/books/{book.pk}/").json()["rating"] is None
    for rating in (5, 4, 4):
        write_review(customer=make_borrower(book), book=book, rating=rating)
    assert api_client.get(f"/api/v1/books/{book.pk}/").json()["rating"] == 4.3


def test_anyone_reads_a_books_reviews_newest_first_paginated_R37(make_book, make_borrower, api_client, now):
    from datetime import timedelta

    book = make_book(units=3)
    for days_ago, rating in ((3, 1), (1, 5), (2, 3)):
        write_review(customer=make_borrower(book), book=book, rating=rating, now=now - timedelta(days=days_ago))
    body = api_client.get(reviews_url(book), {"page_size": 2}).json()
    assert body["count"] == 3 and body["next"] and body["previous"] is None
    assert [review["rating"] for review in body["results"]] == [5, 3]
    assert [review["rating"] for review in api_client.get(body["next"]).json()["results"]] == [1]


def test_hidden_and_deleted_reviews_are_not_listed_R37(make_book, make_borrower, client_for, admin_user, api_client):
    book = make_book(units=3)
    shown = write_review(customer=make_borrower(book), book=book, rating=5)
    hidden = write_review(customer=make_borrower(book), book=book, rating=1)
    deleted = write_review(customer=(writer := make_borrower(book)), book=book, rating=2)
    assert client_for(admin_user).post(review_url(hidden, "hide/")).status_code == 200
    assert client_for(writer.user).delete(review_url(deleted)).status_code == 204
    assert [review["id"] for review in api_client.get(reviews_url(book)).json()["results"]] == [shown.pk]
    assert api_client.get(f"/api/v1/books/{book.pk}/").json()["reviews_count"] == 1


def test_a_customer_who_did_not_read_the_book_gets_403_not_a_reader_R37(make_book, make_customer, client_for):
    book = make_book()
    response = client_for(make_customer(tier=Tier.PREMIUM).user).post(reviews_url(book), {"rating": 5}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "not_a_reader"


def test_a_second_review_gets_409_already_reviewed_R37(make_book, make_borrower, client_for):
    book = make_book()
    client = client_for(make_borrower(book).user)
    assert client.post(reviews_url(book), {"rating": 5}, format="json").status_code == 201
    response = client.post(reviews_url(book), {"rating": 1}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "already_reviewed")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": "x"}, "rating"),
        ({}, "rating"),
        ({"rating": 3, "text": "x" * 5_001}, "text"),
        ({"rating": 3, "customer": 1}, "customer"),
    ],
)
def test_bad_input_gets_400_with_field_errors_R26_R37(make_book, make_borrower, client_for, body, field):
    book = make_book()
    response = client_for(make_borrower(book).user).post(reviews_url(book), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and field in response.json()["errors"]


def test_who_may_post_anonymous_401_author_and_admin_403_unknown_book_404_R22_R37(
    make_book, make_borrower, api_client, client_for, admin_user
):
    book = make_book()
    assert api_client.post(reviews_url(book), {"rating": 5}, format="json").status_code == 401
    assert client_for(AuthorFactory().user).post(reviews_url(book), {"rating": 5}, format="json").status_code == 403
    assert client_for(admin_user).post(reviews_url(book), {"rating": 5}, format="json").status_code == 403
    client = client_for(make_borrower(book).user)
    assert client.post("/api/v1/books/999999/reviews/", {"rating": 5}, format="json").status_code == 404
    assert api_client.get("/api/v1/books/999999/reviews/").status_code == 404
    assert api_client.get(f"/api/v1/books/{2**70}/reviews/").status_code == 404


def test_the_writer_patches_and_deletes_others_get_403_R37(make_book, make_borrower, client_for, api_client):
    book = make_book(units=2)
    writer = make_borrower(book)
    review = write_review(customer=writer, book=book, rating=2, text="Meh.")
    other = client_for(make_borrower(book).user)
    response = other.patch(review_url(review), {"rating": 1}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "not_review_author")
    assert other.delete(review_url(review)).status_code == 403
    assert api_client.patch(review_url(review), {"rating": 1}, format="json").status_code == 401

    mine = client_for(writer.user)
    response = mine.patch(review_url(review), {"rating": 5}, format="json")
    assert response.status_code == 200
    assert (response.json()["rating"], response.json()["text"]) == (5, "Meh.")
    book.refresh_from_db()
    assert (book.rating_count, book.rating_sum) == (1, 5)
    assert mine.patch(review_url(review), {"rating": 9}, format="json").status_code == 400
    assert mine.patch(review_url(review), {"book": 3}, format="json").status_code == 400
    assert mine.delete(review_url(review)).status_code == 204
    assert mine.delete(review_url(review)).status_code == 404  # deleted: gone for the API
    assert mine.patch(review_url(review), {"rating": 3}, format="json").status_code == 404
    assert mine.patch(f"/api/v1/reviews/{2**70}/", {"rating": 3}, format="json").status_code == 404
    book.refresh_from_db()
    assert (book.rating_count, book.rating_sum) == (0, 0)


def test_only_admins_hide_and_a_hidden_review_is_frozen_R37(make_book, make_borrower, client_for, admin_user):
    book = make_book()
    writer = make_borrower(book)
    review = write_review(customer=writer, book=book, rating=1)
    assert client_for(writer.user).post(review_url(review, "hide/")).status_code == 403
    assert client_for(UserFactory(role=Role.AUTHOR)).post(review_url(review, "hide/")).status_code == 403
    admin = client_for(admin_user)
    assert admin.post(review_url(review, "hide/")).status_code == 200
    response = admin.post(review_url(review, "hide/"))
    assert (response.status_code, response.json()["code"]) == (409, "review_already_hidden")
    assert admin.post("/api/v1/reviews/999999/hide/").status_code == 404
    response = client_for(writer.user).patch(review_url(review), {"rating": 5}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "review_hidden")
    book.refresh_from_db()
    assert (book.rating_count, book.rating_sum) == (0, 0)


def _rated(make_book, make_borrower, title: str, *ratings: int) -> Book:
    book = make_book(units=max(len(ratings), 1), title=title)
    for rating in ratings:
        write_review(customer=make_borrower(book), book=book, rating=rating)
    return book


def test_books_sort_by_rating_rated_first_then_count_then_title_R37(make_book, make_borrower, api_client):
    _rated(make_book, make_borrower, "Unrated A")
    _rated(make_book, make_borrower, "Four once", 4)
    _rated(make_book, make_borrower, "Four twice", 4, 4)
    _rated(make_book, make_borrower, "Five", 5)
    _rated(make_book, make_borrower, "Two", 1, 3)
    _rated(make_book, make_borrower, "Unrated B")

    def titles(ordering: str) -> list[str]:
        response = api_client.get("/api/v1/books/", {"ordering": ordering})
        assert response.status_code == 200, response.json()
        return [book["title"] for book in response.json()["results"]]

    assert titles("-rating") == ["Five", "Four twice", "Four once", "Two", "Unrated A", "Unrated B"]
    assert titles("rating") == ["Two", "Four twice", "Four once", "Five", "Unrated A", "Unrated B"]
    assert api_client.get("/api/v1/books/", {"ordering": "ratings"}).status_code == 400
