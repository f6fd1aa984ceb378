"""The book page's reviews (``{% load reviews_box %}``): the rating near the title, the reviews and the form (R37).

The catalog's page places ``{% rating_summary %}`` and ``{% book_reviews %}`` and knows
nothing of reviews beyond the book's own ``rating_count`` and ``rating_average``. A refused
write (``reviews.views``) renders the book page again with ``review_data``,
``review_error`` and ``review_editing`` (the review being changed, or None for a new one).
"""

from django import template
from django.core.paginator import Paginator

from accounts.permissions import is_customer

from ..forms import ReviewForm
from ..models import MAX_RATING, Review
from ..selectors import has_read, own_review, visible_reviews

register = template.Library()
REVIEWS_PER_PAGE = 10


@register.filter
def stars(average: float | None) -> str:
    """The average as five stars, full ones rounded to the nearest whole (★★★★☆); empty for none."""
    if average is None:
        return ""
    full = min(int(average + 0.5), MAX_RATING)
    return "★" * full + "☆" * (MAX_RATING - full)


@register.inclusion_tag("reviews/_rating_summary.html", takes_context=True)
def rating_summary(context: template.Context) -> dict:
    """Stars, the average and the number of reviews of the page's book (R37); the catalog's cards include the same."""
    return {"book": context["book"]}


@register.inclusion_tag("reviews/_book_reviews.html", takes_context=True)
def book_reviews(context: template.Context) -> dict:
    """The book's visible reviews newest first, 10 a page, and the form for a customer who may write (R37)."""
    request, book = context["request"], context["book"]
    # The book's count of its visible reviews, read with it (kept with them under its lock):
    # a book nobody reviewed, most of the catalog, asks nothing more (issue 15).
    reviews = visible_reviews(book=book) if book.rating_count else Review.objects.none()
    page = Paginator(reviews, REVIEWS_PER_PAGE).get_page(request.GET.get("reviews_page"))
    box = {"book": book, "page": page, "user": request.user, "csrf_token": context.get("csrf_token")}
    if not is_customer(request.user):
        return box
    customer = request.user.customer
    mine = own_review(customer=customer, book=book)
    data, error, editing = context.get("review_data"), context.get("review_error"), context.get("review_editing")
    box.update(customer=customer, mine=mine, may_write=mine is None and has_read(customer=customer, book=book))
    if mine is not None and mine.hidden_at is None:
        mine_data = data if editing == mine.pk else None
        box["edit_form"] = _form(
            mine_data, error if editing == mine.pk else None, {"rating": mine.rating, "text": mine.text}
        )
    if box["may_write"] or (data is not None and editing is None):
        box["new_form"] = _form(data if editing is None else None, error if editing is None else None, {})
    return box


def _form(data, error, initial: dict) -> ReviewForm:
    form = ReviewForm(data, initial=initial)
    if data is not None:
        form.is_valid()
    if error is not None:
        form.add_error(None, getattr(error, "message", None) or error)
    return form
