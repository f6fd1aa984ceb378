"""Pages for authors: their books, add a book, edit one of their own (R23, SPEC section 5).

Thin views over the catalog services the API uses (create_book, update_book): raising
units serves the queue at once (R13) and units below those on loan are refused (409),
shown on the form. Anonymous visitors are sent to log in; signed-in users who are not
authors, and authors opening another author's book, get a 403 page.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import is_author, is_book_author
from core.exceptions import DomainError

from .author_forms import AuthorBookForm, CoverForm
from .cover_services import remove_cover, save_cover
from .models import Book
from .selectors import with_availability
from .services import create_book, update_book

BOOKS_PER_PAGE = 25

# Where a service's error belongs on the form; anything else is shown above the fields.
ERROR_FIELDS = {"authors": "co_authors", "units_below_on_loan": "units", "invalid_units": "units"}


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    """The 403 page, saying why."""
    return render(request, "catalog/author_forbidden.html", {"reason": message}, status=403)


def author_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let authors in; send anonymous visitors to log in; show others the 403 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_author(request.user):
            return forbidden(request, _("These pages are for authors: only authors add and edit books."))
        return view(request, *args, **kwargs)

    return wrapper


def _show_validation_error(form: AuthorBookForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the fields it names, the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        target = ERROR_FIELDS.get(field, field)
        form.add_error(target if target in form.fields else None, errors)


def _show_domain_error(form: AuthorBookForm, error: DomainError) -> None:
    field = ERROR_FIELDS.get(error.code)
    form.add_error(field if field in form.fields else NON_FIELD_ERRORS, error.message)


@author_required
def author_books(request: HttpRequest) -> HttpResponse:
    """The author's own books with units, units on loan and queue length."""
    books = (
        with_availability(Book.objects.in_catalog().filter(authors=request.user.author), timezone.now())
        .annotate(on_loan=F("units") - F("available_units"))
        .select_related("genre")
        .prefetch_related("authors__user")
        .order_by("title", "id")
    )
    page = Paginator(books, BOOKS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "catalog/author_books.html", {"page": page, "books": page.object_list})


@author_required
def author_book_new(request: HttpRequest) -> HttpResponse:
    """Add a book; the author is always one of its authors and may name co-authors."""
    author = request.user.author
    form = AuthorBookForm(request.POST or None, author=author)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                book = create_book(by=request.user, **form.service_data(author))
            except ValidationError as error:
                _show_validation_error(form, error)
            except DomainError as error:
                _show_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, _("“%(title)s” was added to the catalog.") % {"title": book.title})
                return redirect("author-books")
    return render(request, "catalog/author_book_form.html", {"form": form, "book": None}, status=status)


@author_required
def author_book_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit one of the author's own books; units go through the reservation rules (R13)."""
    book = get_object_or_404(Book.objects.in_catalog().select_related("genre"), pk=pk)  # withdrawn: R28
    if not is_book_author(request.user, book):
        return forbidden(request, _("Only this book's authors can edit it."))
    author = request.user.author
    form = AuthorBookForm(request.POST or None, author=author, book=book)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                book = update_book(book=book, by=request.user, data=form.service_data(author))
            except ValidationError as error:
                _show_validation_error(form, error)
            except DomainError as error:
                _show_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, _("“%(title)s” was saved.") % {"title": book.title})
                return redirect("author-books")
    context = {"form": form, "book": book, "cover_form": CoverForm()}
    return render(request, "catalog/author_book_form.html", context, status=status)


@require_POST
@author_required
def author_book_cover(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a cover for one of the author's own books, or remove it (``remove``) for the placeholder."""
    book = get_object_or_404(Book.objects.in_catalog().select_related("genre"), pk=pk)
    if not is_book_author(request.user, book):
        return forbidden(request, _("Only this book's authors can edit it."))
    if "remove" in request.POST:
        remove_cover(book)
        messages.success(request, _("The cover was removed; the book shows a placeholder."))
        return redirect("author-book-edit", pk=book.pk)
    cover_form = CoverForm(request.POST, request.FILES)
    if cover_form.is_valid():
        try:
            save_cover(book, cover_form.cleaned_data["cover"])
        except ValidationError as error:
            cover_form.add_error("cover", error)
        else:
            messages.success(request, _("The new cover of “%(title)s” is on its page.") % {"title": book.title})
            return redirect("author-book-edit", pk=book.pk)
    form = AuthorBookForm(author=request.user.author, book=book)
    context = {"form": form, "book": book, "cover_form": cover_form}
    return render(request, "catalog/author_book_form.html", context, status=400)
