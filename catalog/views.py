"""Catalog pages: the book list with search, filters and pages, a book, and reserving it (R1–R12).

Decisions where SPEC is silent:
- ``/?q=&genre=<slug>&available=1&page=`` are the catalog's parameters; an invalid one
  (an unknown genre, a too long search) shows the form's error with status 400. The page
  offers no sort: a parameter it does not know, such as the API's ``ordering`` (even a
  malformed ``ordering=,``), is ignored and the list comes in its usual order (R26).
- The reserve form offers the days the customer's tier allows, each with its price now
  (R6, R7); the price is charged when the loan starts, so a queued entry pays on promotion.
- Reserving answers with a redirect to "My reservations" and a message; a refusal shows
  the book again with the reason and the rule's status (403, 409, 400); a short wallet
  goes to the charge page with the shortfall filled in and a way back to the book (R11).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Tier
from accounts.pages import customer_page
from accounts.permissions import is_customer
from billing.exceptions import InsufficientFunds
from billing.views import wallet_charge_url
from core.api import StandardPagination
from core.exceptions import DomainError
from core.formatting import local_time, toman
from core.pages import add_validation_errors
from reservations.exceptions import InvalidDays
from reservations.models import Status
from reservations.pricing import discount_percent
from reservations.selectors import position_in_queue, queue_places, reservation_list
from reservations.services import reserve
from reservations.views import describe_wait

from .forms import CatalogFilterForm, ReserveForm
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
    searching = bool(form.is_bound and form.is_valid() and form.filters())
    return render(
        request, "catalog/book_list.html", {"form": form, "page": page, "searching": searching}, status=status
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


def _book_or_404(pk: int) -> Book:
    book = book_detail(book_id=pk, now=timezone.now())
    if book is None:
        raise Http404("No such book.")
    return book


def _render_book(
    request: HttpRequest,
    book: Book,
    *,
    data: QueryDict | None = None,
    error: DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    context: dict = {"book": book, "authors": list(book.authors.all()), "role": None}
    user = request.user
    if user.is_authenticated:
        context["role"] = user.role
    if is_customer(user):
        customer = user.customer
        rule = customer.rule_at(now)
        discount = discount_percent(customer, now) if rule else 0
        # A loan past its end holds nothing (R16): the page offers the book again at once.
        live = reservation_list(customer=customer).filter(book=book).live_at(now).first()
        place = queue_places([live], now).get(live.pk) if live and live.status == Status.QUEUED else None
        form = ReserveForm(data, rule=rule, discount=discount, initial={"days": min(7, rule.max_days) if rule else 1})
        if data is not None:
            form.is_valid()
        if error is not None:
            form.add_error("days" if isinstance(error, InvalidDays) else None, error.message)
        context.update(
            customer=customer,
            rule=rule,
            tier_label=Tier(customer.tier_at(now)).label,
            discount=discount,
            live=live,
            place=place,
            wait=describe_wait(place.estimated_wait) if place else None,
            reserve_form=form,
        )
    context["login_url"] = f"{reverse('login')}?{urlencode({'next': reverse('book-detail', args=[book.pk])})}"
    return render(request, "catalog/book_detail.html", context, status=status)


def book_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A book: authors, genre, availability, queue length and, for customers, the reserve form."""
    return _render_book(request, _book_or_404(pk))


@require_POST
@customer_page(back_to=lambda pk: reverse("book-detail", args=[pk]))
def book_reserve_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Reserve the book: a loan at once if a unit is free, else a place in the queue (R8–R12)."""
    book = _book_or_404(pk)
    customer = request.user.customer
    form = ReserveForm(request.POST, rule=customer.rule_at())
    if not form.is_valid():
        return _render_book(request, book, data=request.POST, status=400)
    try:
        reservation = reserve(customer=customer, book=book, days=form.cleaned_data["days"])
    except InsufficientFunds as error:
        messages.error(
            request,
            f"{error.message} Charge at least {toman(error.suggested_charge)}, then reserve “{book.title}” again.",
        )
        return redirect(wallet_charge_url(error.shortfall, reverse("book-detail", args=[pk])))
    except DomainError as error:
        return _render_book(request, _book_or_404(pk), data=request.POST, error=error, status=error.status)
    if reservation.status == Status.ACTIVE:
        discount = f" (−{reservation.discount}%)" if reservation.discount else ""
        messages.success(
            request,
            f"“{book.title}” is yours until {local_time(reservation.ends_at)}. "
            f"{toman(reservation.price)} was charged{discount}.",
        )
    else:
        messages.info(
            request,
            f"No copy of “{book.title}” is free, so you joined its queue at place {position_in_queue(reservation)}. "
            "Nothing is charged until a copy is yours.",
        )
    return redirect("my-reservations")
