"""The review rules through their services (R37): who writes, one each, edit, delete, hide, the average."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Tier
from catalog.models import Book
from reservations.services import reserve
from reviews.exceptions import (
    AlreadyReviewed,
    NotAReader,
    NotReviewAuthor,
    ReviewAlreadyHidden,
    ReviewHidden,
    ReviewNotFound,
)
from reviews.models import Review
from reviews.selectors import visible_reviews
from reviews.services import delete_review, edit_review, hide_review, write_review
from shop.models import OrderStatus

pytestmark = pytest.mark.django_db


def ratings_of(book: Book) -> tuple[int, int, float | None]:
    book.refresh_from_db()
    return book.rating_count, book.rating_sum, book.rating_average


def test_a_borrower_writes_a_review_and_the_book_counts_it_R37(make_book, make_borrower):
    book = make_book(units=2)
    review = write_review(customer=make_borrower(book), book=book, rating=4, text="Worth it.")
    assert (review.rating, review.text, review.is_visible) == (4, "Worth it.", True)
    assert ratings_of(book) == (1, 4, 4.0)


def test_a_returned_loan_still_counts_as_borrowed_R37(make_book, make_customer):
    from reservations.services import return_reservation

    book = make_book()
    customer = make_customer(tier=Tier.PLUS, balance=5_000)
    return_reservation(customer=customer, reservation=reserve(customer=customer, book=book, days=1))
    write_review(customer=customer, book=book, rating=5)
    assert ratings_of(book)[0] == 1


@pytest.mark.parametrize("status", [OrderStatus.PLACED, OrderStatus.FULFILLED])
def test_a_buyer_reviews_even_on_the_free_tier_R37(make_book, make_buyer, status):
    book = make_book()
    write_review(customer=make_buyer(book, status=status), book=book, rating=3)
    assert ratings_of(book) == (1, 3, 3.0)


def test_a_cancelled_order_or_a_queued_place_is_not_reading_R37(make_book, make_buyer, make_customer):
    book = make_book(units=1)
    reserve(customer=make_customer(tier=Tier.PLUS, balance=5_000), book=book, days=1)  # takes the only unit
    queued = make_customer(tier=Tier.PLUS, balance=5_000)
    assert reserve(customer=queued, book=book, days=1).status == "queued"
    for customer in (queued, make_buyer(book, status=OrderStatus.CANCELLED), make_customer(tier=Tier.PREMIUM)):
        with pytest.raises(NotAReader) as refusal:
            write_review(customer=customer, book=book, rating=5)
        assert (refusal.value.status, refusal.value.code) == (403, "not_a_reader")
    assert ratings_of(book) == (0, 0, None)


def test_a_second_review_is_refused_until_the_first_is_deleted_R37(make_book, make_borrower):
    book = make_book()
    customer = make_borrower(book)
    first = write_review(customer=customer, book=book, rating=2)
    with pytest.raises(AlreadyReviewed) as refusal:
        write_review(customer=customer, book=book, rating=5)
    assert (refusal.value.status, refusal.value.code) == (409, "already_reviewed")
    delete_review(customer=customer, review=first)
    assert ratings_of(book) == (0, 0, None)
    write_review(customer=customer, book=book, rating=5)
    assert ratings_of(book) == (1, 5, 5.0)
    assert Review.objects.filter(customer=customer, book=book).count() == 2  # the deleted one is kept


def test_the_database_refuses_two_live_reviews_of_one_book_by_one_customer_R37(make_book, make_borrower):
    book = make_book()
    customer = make_borrower(book)
    write_review(customer=customer, book=book, rating=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(customer=customer, book=book, rating=3)


def test_the_database_refuses_a_rating_outside_1_to_5_R37(make_book, make_borrower):
    book = make_book()
    customer = make_borrower(book)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(customer=customer, book=book, rating=6)


@pytest.mark.parametrize("rating, text", [(0, ""), (6, ""), (3, "x" * 5_001)])
def test_a_rating_outside_1_to_5_or_a_long_text_is_invalid_R37(make_book, make_borrower, rating, text):
    book = make_book()
    with pytest.raises(ValidationError):
        write_review(customer=make_borrower(book), book=book, rating=rating, text=text)
    assert ratings_of(book) == (0, 0, None)


def test_editing_the_rating_moves_the_average_R37(make_book, make_borrower):
    book = make_book(units=2)
    mine = write_review(customer=(me := make_borrower(book)), book=book, rating=2)
    write_review(customer=make_borrower(book), book=book, rating=5)
    assert ratings_of(book) == (2, 7, 3.5)
    edited = edit_review(customer=me, review=mine.pk, rating=4, text="Better on a second reading.")
    assert (edited.rating, edited.text) == (4, "Better on a second reading.")
    assert edited.updated_at > edited.created_at
    assert ratings_of(book) == (2, 9, 4.5)
    edit_review(customer=me, review=mine.pk, text="")  # the text alone: the average stays
    assert ratings_of(book) == (2, 9, 4.5)


def test_only_the_writer_edits_or_deletes_a_review_R37(make_book, make_borrower):
    book = make_book(units=2)
    review = write_review(customer=make_borrower(book), book=book, rating=4)
    other = make_borrower(book)
    with pytest.raises(NotReviewAuthor):
        edit_review(customer=other, review=review.pk, rating=1)
    with pytest.raises(NotReviewAuthor):
        delete_review(customer=other, review=review.pk)
    assert ratings_of(book) == (1, 4, 4.0)


def test_a_deleted_review_is_kept_but_not_found_shown_or_counted_R37(make_book, make_borrower):
    book = make_book()
    customer = make_borrower(book)
    review = write_review(customer=customer, book=book, rating=4)
    delete_review(customer=customer, review=review.pk)
    review.refresh_from_db()
    assert review.deleted_at is not None
    assert list(visible_reviews(book=book)) == []
    with pytest.raises(ReviewNotFound):
        edit_review(customer=customer, review=review.pk, rating=5)
    with pytest.raises(ReviewNotFound):
        hide_review(review=review.pk, by=None)


def test_an_admin_hides_a_review_it_is_kept_not_shown_not_counted_R37(make_book, make_borrower, admin_user):
    book = make_book(units=2)
    kept = write_review(customer=make_borrower(book), book=book, rating=5)
    customer = make_borrower(book)
    review = write_review(customer=customer, book=book, rating=1, text="Rude words.")
    hidden = hide_review(review=review.pk, by=admin_user)
    assert (hidden.hidden_by, hidden.hidden_at is not None, hidden.deleted_at) == (admin_user, True, None)
    assert list(visible_reviews(book=book)) == [kept]
    assert ratings_of(book) == (1, 5, 5.0)
    with pytest.raises(ReviewAlreadyHidden):
        hide_review(review=review.pk, by=admin_user)
    # Still the writer's one review of the book: no second one, no edit, no delete.
    with pytest.raises(AlreadyReviewed):
        write_review(customer=customer, book=book, rating=5)
    with pytest.raises(ReviewHidden):
        edit_review(customer=customer, review=review.pk, rating=5)
    with pytest.raises(ReviewHidden):
        delete_review(customer=customer, review=review.pk)
    assert ratings_of(book) == (1, 5, 5.0)


def test_a_withdrawn_book_takes_no_review_R28_R37(make_book, make_borrower, now):
    book = make_book()
    customer = make_borrower(book)
    Book.objects.filter(pk=book.pk).update(withdrawn_at=now)
    with pytest.raises(ReviewNotFound):
        write_review(customer=customer, book=book, rating=4)


def test_the_book_ratings_are_service_owned_R27_R37(make_book, make_borrower):
    """A book form read before a review was written cannot write the old count back (R27)."""
    book = make_book()
    stale = Book.objects.get(pk=book.pk)
    write_review(customer=make_borrower(book), book=book, rating=5)
    stale.title = "A new title"
    stale.save()
    assert ratings_of(book) == (1, 5, 5.0)


def test_the_database_refuses_a_sum_no_ratings_make_R37(make_book):
    book = make_book()
    with pytest.raises(IntegrityError), transaction.atomic():
        Book.objects.filter(pk=book.pk).update(rating_count=1, rating_sum=6)
