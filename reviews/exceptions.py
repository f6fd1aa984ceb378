"""Refusals of the review rules (R37), each with the stable code the API returns (R26)."""

from django.utils.translation import gettext_lazy

from core.exceptions import Conflict, DomainError, NotAllowed


class NotAReader(NotAllowed):
    """Only a customer who borrowed the book (a loan that started) or bought it reviews it (R37)."""

    code = "not_a_reader"
    default_message = gettext_lazy("Only readers who borrowed or bought this book may review it.")


class AlreadyReviewed(Conflict):
    """One review per customer and book while it is not deleted (R37)."""

    code = "already_reviewed"
    default_message = gettext_lazy("You have already reviewed this book: edit your review instead.")


class NotReviewAuthor(NotAllowed):
    code = "not_review_author"
    default_message = gettext_lazy("Only the writer of a review may change or delete it.")


class ReviewHidden(Conflict):
    code = "review_hidden"
    default_message = gettext_lazy("An admin has hidden this review: it cannot be changed or deleted.")


class ReviewAlreadyHidden(Conflict):
    code = "review_already_hidden"
    default_message = gettext_lazy("This review is already hidden.")


class ReviewNotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = gettext_lazy("No such review.")
