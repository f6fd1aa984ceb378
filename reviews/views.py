"""Reviews on the book page: write, change and delete one's own review (R37).

Decisions where SPEC is silent:
- The form is on the book page itself (``{% book_reviews %}``) and posts here; success goes
  back to the book's reviews with a message, a refusal shows the book page again with the
  form's data and the reason, with the rule's status (400, 403, 404, 409).
- The book page lists 10 reviews a page, ``?reviews_page=`` choosing the page.
- Another customer's review answers 403 as in the API; a deleted one 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.pages import customer_page
from catalog.views import book_or_404, render_book_page
from core.exceptions import DomainError

from .forms import ReviewForm
from .models import Review
from .services import delete_review, edit_review, write_review


def _book_reviews_url(book_id: int) -> str:
    return reverse("book-detail", args=[book_id]) + "#reviews"


def _back_to_book(pk: int) -> str:
    return reverse("book-detail", args=[pk])


def _back_to_reviewed_book(pk: int) -> str:
    """Where the login returns a logged-out writer to: the review's book page (the catalog if none)."""
    book_id = Review.objects.filter(pk=pk).values_list("book_id", flat=True).first() if 0 < pk < 2**63 else None
    return _back_to_book(book_id) if book_id else reverse("catalog")


def _refused(request: HttpRequest, book_id: int, *, review_id: int | None, error=None, status: int = 400):
    extra = {"review_data": request.POST, "review_error": error, "review_editing": review_id}
    return render_book_page(request, book_or_404(book_id), extra=extra, status=status)


def _review_or_404(pk: int) -> Review:
    review = Review.objects.not_deleted().filter(pk=pk).first() if 0 < pk < 2**63 else None
    if review is None:
        raise Http404("No such review.")
    return review


def _write(request: HttpRequest, book_id: int, review_id: int | None, use_case) -> HttpResponse:
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _refused(request, book_id, review_id=review_id)
    try:
        use_case(**form.cleaned_data)
    except DomainError as error:
        return _refused(request, book_id, review_id=review_id, error=error, status=error.status)
    except ValidationError as error:
        return _refused(request, book_id, review_id=review_id, error=error)
    return None


@require_POST
@customer_page(back_to=_back_to_book)
def review_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Write a review of the book (R37): for customers who borrowed or bought it."""
    book = book_or_404(pk)
    customer = request.user.customer
    refused = _write(request, pk, None, lambda **data: write_review(customer=customer, book=book, **data))
    if refused is not None:
        return refused
    messages.success(request, _("Thank you: your review of “%(title)s” is published.") % {"title": book.title})
    return redirect(_book_reviews_url(pk))


@require_POST
@customer_page(back_to=_back_to_reviewed_book)
def review_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change one's review (R37)."""
    review = _review_or_404(pk)
    customer = request.user.customer
    refused = _write(
        request, review.book_id, pk, lambda **data: edit_review(customer=customer, review=review.pk, **data)
    )
    if refused is not None:
        return refused
    messages.success(request, _("Your review is updated."))
    return redirect(_book_reviews_url(review.book_id))


@require_POST
@customer_page(back_to=_back_to_reviewed_book)
def review_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one's review (R37): it is no longer shown or counted, and another may be written."""
    review = _review_or_404(pk)
    try:
        delete_review(customer=request.user.customer, review=review.pk)
    except DomainError as error:
        return _refused(request, review.book_id, review_id=pk, error=error, status=error.status)
    messages.success(request, _("Your review is deleted."))
    return redirect(_book_reviews_url(review.book_id))
