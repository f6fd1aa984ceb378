"""The book page's reviews (R37): stars, count, the list, the form, edit, delete, refusals; the catalog's sort."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Tier
from reviews.models import Review
from reviews.services import hide_review, write_review

pytestmark = pytest.mark.django_db


def page_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_book_page_shows_stars_average_count_and_reviews_R37(make_book, make_borrower):
    book = make_book(units=2)
    write_review(customer=make_borrower(book, user__username="dariush"), book=book, rating=5, text="A classic.")
    write_review(customer=make_borrower(book), book=book, rating=4)
    html = page_for().get(f"/books/{book.pk}/").content.decode()
    assert 'aria-label="4.5 out of 5"' in html and "★★★★★" in html  # 4.5 rounds to five full stars
    assert "2 reviews" in html
    assert "dariush" in html and "A classic." in html
    assert "Write a review" not in html


def test_a_book_without_reviews_says_so_R37(make_book):
    assert "No reviews yet" in page_for().get(f"/books/{make_book().pk}/").content.decode()


def test_the_reviews_of_a_book_nobody_reviewed_cost_no_query(make_book, make_borrower):
    """Its count of visible reviews (R37) comes with the book: 0 asks no more; 1 reads them."""
    book = make_book()
    with CaptureQueriesContext(connection) as none:
        page_for().get(f"/books/{book.pk}/")
    assert not [query for query in none.captured_queries if "reviews_review" in query["sql"]]
    write_review(customer=make_borrower(book), book=book, rating=4, text="Worth it.")
    with CaptureQueriesContext(connection) as one:
        html = page_for().get(f"/books/{book.pk}/").content.decode()
    assert [query for query in one.captured_queries if "reviews_review" in query["sql"]]
    assert "Worth it." in html and "No reviews yet" not in html


def test_the_form_is_only_for_a_reader_R37(make_book, make_borrower, make_customer):
    book = make_book()
    assert "Write a review" in page_for(make_borrower(book).user).get(f"/books/{book.pk}/").content.decode()
    stranger = page_for(make_customer(tier=Tier.PLUS).user).get(f"/books/{book.pk}/").content.decode()
    assert "Write a review" not in stranger and "Readers who borrowed or bought this book may review it." in stranger


def test_a_reader_writes_edits_and_deletes_a_review_R37(make_book, make_borrower):
    book = make_book()
    customer = make_borrower(book)
    client = page_for(customer.user)
    response = client.post(f"/books/{book.pk}/reviews/", {"rating": "3", "text": "Fine."})
    assert response.status_code == 302 and response["Location"] == f"/books/{book.pk}/#reviews"
    review = Review.objects.get()
    html = client.get(f"/books/{book.pk}/").content.decode()
    assert "Thank you" in html and "Change your review" in html and "Write a review" not in html

    assert client.post(f"/reviews/{review.pk}/edit/", {"rating": "5", "text": "Great."}).status_code == 302
    review.refresh_from_db()
    book.refresh_from_db()
    assert (review.rating, review.text, book.rating_sum) == (5, "Great.", 5)

    assert client.post(f"/reviews/{review.pk}/delete/").status_code == 302
    book.refresh_from_db()
    assert book.rating_count == 0
    assert "Write a review" in client.get(f"/books/{book.pk}/").content.decode()  # may write again


def test_refusals_show_the_book_page_with_the_reason_and_status_R37(make_book, make_borrower, make_customer):
    book = make_book(units=2)
    stranger = page_for(make_customer(tier=Tier.PLUS).user)
    response = stranger.post(f"/books/{book.pk}/reviews/", {"rating": "4"})
    assert response.status_code == 403
    assert "Only readers who borrowed or bought this book may review it." in response.content.decode()

    reader = page_for(make_borrower(book).user)
    response = reader.post(f"/books/{book.pk}/reviews/", {"rating": "9"})
    assert response.status_code == 400 and Review.objects.count() == 0

    review = write_review(customer=make_borrower(book), book=book, rating=2)
    assert reader.post(f"/reviews/{review.pk}/edit/", {"rating": "1"}).status_code == 403
    assert reader.post(f"/reviews/{review.pk}/delete/").status_code == 403
    assert reader.post("/reviews/999999/delete/").status_code == 404
    assert reader.get(f"/reviews/{review.pk}/delete/").status_code == 405


def test_anonymous_writers_go_to_the_login_R22(make_book):
    book = make_book()
    response = page_for().post(f"/books/{book.pk}/reviews/", {"rating": "4"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_logged_out_writer_editing_or_deleting_comes_back_to_the_book_after_login_R37(make_book, make_borrower):
    """The edit and delete actions answer POST only: the login returns to the review's book page, not to them."""
    book = make_book()
    review = write_review(customer=make_borrower(book), book=book, rating=4)
    for action in ("edit", "delete"):
        response = page_for().post(f"/reviews/{review.pk}/{action}/", {"rating": "2"})
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next=/books/{book.pk}/", action
    response = page_for().post(f"/reviews/{10**9}/edit/", {"rating": "2"})
    assert response["Location"] == "/accounts/login/?next=/"


def test_a_hidden_review_is_not_shown_and_its_writer_is_told_R37(make_book, make_borrower, admin_user):
    book = make_book()
    customer = make_borrower(book)
    review = write_review(customer=customer, book=book, rating=1, text="Spoilers everywhere.")
    hide_review(review=review.pk, by=admin_user)
    assert "Spoilers everywhere." not in page_for().get(f"/books/{book.pk}/").content.decode()
    html = page_for(customer.user).get(f"/books/{book.pk}/").content.decode()
    assert "An admin has hidden your review" in html and "Write a review" not in html


def test_reviews_come_newest_first_ten_a_page_R37(make_book, make_borrower, now):
    from datetime import timedelta

    book = make_book(units=12)
    for index in range(12):
        write_review(
            customer=make_borrower(book),
            book=book,
            rating=1 + index % 5,
            text=f"Review number {index}",
            now=now - timedelta(hours=index),
        )
    first = page_for().get(f"/books/{book.pk}/").content.decode()
    assert first.index("Review number 0") < first.index("Review number 9")
    assert "Review number 10" not in first and "reviews_page=2" in first
    assert "Review number 11" in page_for().get(f"/books/{book.pk}/?reviews_page=2").content.decode()


def test_the_catalog_sorts_by_rating_and_shows_stars_on_cards_R37(make_book, make_borrower):
    low = make_book(title="Low rated")
    high = make_book(title="High rated")
    make_book(title="A not rated")
    write_review(customer=make_borrower(low), book=low, rating=2)
    write_review(customer=make_borrower(high), book=high, rating=5)
    html = page_for().get("/", {"sort": "-rating"}).content.decode()
    titles = re.findall(r'<h2 dir="auto"><a href="/books/\d+/">([^<]+)</a>', html)
    assert titles == ["High rated", "Low rated", "A not rated"]
    assert 'aria-label="5.0 out of 5"' in html and "1 review" in html
    assert 'value="-rating"' in html
