"""Catalog pages: the book list with search, filters and pages, and a book (R1–R12).

Decisions where SPEC is silent:
- ``/?q=&genre=<slug>&available=1&author=<id>&sort=&page=`` are the catalog's parameters;
  an invalid one (an unknown genre or author, a too long search, a sort it does not offer)
  shows the form's error with status 400. ``sort`` takes the API's ``ordering`` values
  that people sort by (title, newest, price, most copies free, shortest queue); a
  parameter it does not know, such as the API's own ``ordering`` (even a malformed
  ``ordering=,``), is ignored and the list comes in its usual order (R26).
- An author's page is the catalog with ``?author=<id>``: "Books by …", searchable and
  sortable like the whole catalog; the book pages and the list link authors' names there.

The book page's reserve box and the reserve itself are the reservations app's
(``reservations.templatetags.lending``, ``reservations.views.book_reserve_view``).
"""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.api import StandardPagination
from core.pages import add_validation_errors

from .forms import CatalogFilterForm
from .models import Book
from .selectors import BookPage, book_detail, book_page

BOOKS_PER_PAGE = 12
MAX_PAGE_NUMBER = StandardPagination.max_page_number


def catalog_view(request: HttpRequest) -> HttpResponse:
    """The books, searched by words, filtered by genre and availability, 12 a page."""
    form = CatalogFilterForm(request.GET)
    page = BookPage(books=[], number=1, size=BOOKS_PER_PAGE, count=0, count_exact=True, has_next=False)
    status = 200
    if form.is_valid():
        try:
            page = _catalog_page(form.filters(), request.GET.get("page"))
        except ValidationError as error:  # the selector's own checks, named as in the API
            add_validation_errors(form, error)
            status = 400
    else:
        status = 400
    valid = form.is_bound and form.is_valid()
    searching = bool(valid and set(form.filters()) - {"ordering"})  # sorting alone chooses no books
    author = form.cleaned_data.get("author") if valid else None
    return render(
        request,
        "catalog/book_list.html",
        {"form": form, "page": page, "searching": searching, "author": author},
        status=status,
    )


def _catalog_page(filters: dict[str, str], number: str | None) -> BookPage:
    """The page asked for, as Django's ``Paginator.get_page`` picks it: the first for a
    page number that is none, the last for one past the end (book_page, issue 15)."""
    try:
        wanted = max(int(number or 1), 1)
    except ValueError:
        wanted = 1
    wanted = min(wanted, MAX_PAGE_NUMBER)
    page = book_page(filters=filters, number=wanted, size=BOOKS_PER_PAGE)
    if not page.books and wanted > 1:
        last = max(min(-(-page.count // BOOKS_PER_PAGE), wanted - 1), 1)
        page = book_page(filters=filters, number=last, size=BOOKS_PER_PAGE)
    return page


def book_or_404(pk: int) -> Book:
    """The listed book with its availability, or a 404 page."""
    book = book_detail(book_id=pk, now=timezone.now())
    if book is None:
        raise Http404("No such book.")
    return book


def render_book_page(request: HttpRequest, book: Book, *, extra: dict | None = None, status: int = 200) -> HttpResponse:
    """The book page; its reserve box is the reservations app's (``{% reserve_box %}``), `extra` its input."""
    context = {"book": book, "authors": list(book.authors.all()), **(extra or {})}
    return render(request, "catalog/book_detail.html", context, status=status)


def book_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A book: authors, genre, availability, queue length and, for customers, the reserve form."""
    return render_book_page(request, book_or_404(pk))
