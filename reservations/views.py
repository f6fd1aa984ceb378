"""Reserving a book from its page, and my reservations: loans, queues, history (R8–R16).

Decisions where SPEC is silent:
- The reserve form offers the days the customer's tier allows, each with its price now
  (R6, R7); the price is charged when the loan starts, so a queued entry pays on promotion.
- Reserving answers with a redirect to "My reservations" and a message; a refusal shows
  the book again with the reason and the rule's status (403, 409, 400); a short wallet
  goes to the charge page with the shortfall filled in and a way back to the book (R11).
- A loan whose end has passed shows as ended even before the worker closes it (R16),
  with no return button: the book is already back.
- The estimated wait is shown rounded up to whole hours ("about 2 days 5 hours"), with
  the time it points to; it is unknown while the library owns no copy of the book.
- Another customer's reservation answers 404, as in the API, so ids reveal nothing.
"""

import math
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_POST

from accounts.models import Customer
from accounts.pages import customer_page
from billing.exceptions import InsufficientFunds
from billing.views import wallet_charge_url
from catalog.views import book_or_404, render_book_page
from core.exceptions import DomainError
from core.formatting import local_time, number, toman

from .estimates import queued_expected_between
from .forms import ReserveForm
from .models import LIVE_STATUSES, Status
from .pause_views import pause_controls
from .renewal_views import renewal_controls
from .selectors import position_in_queue, queue_places, reservation_list
from .services import leave_queue, reserve, return_reservation
from .wallet_cover import queued_costs, uncovered_total

HISTORY_PER_PAGE = 20
HOUR = timedelta(hours=1)


def describe_wait(wait: timedelta | None) -> str:
    """Say an estimated wait in words: "about 2 days 5 hours", "any moment now" (R14)."""
    if wait is None:
        return _("Unknown: the library has no copy of this book right now")
    if wait < timedelta(minutes=1):
        return _("Any moment now")
    if wait <= HOUR:
        return _("Within the hour")
    days, hours = divmod(math.ceil(wait / HOUR), 24)
    parts = []
    if days:
        parts.append(ngettext("%(count)s day", "%(count)s days", days) % {"count": number(days)})
    if hours:
        parts.append(ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": number(hours)})
    if len(parts) == 2:
        parts = [pgettext("a wait of days and hours", "%(days)s %(hours)s") % {"days": parts[0], "hours": parts[1]}]
    return _("About %(wait)s") % {"wait": parts[0]}


def _render_reservations(request: HttpRequest, customer: Customer, *, status: int = 200) -> HttpResponse:
    now = timezone.now()
    live = list(reservation_list(customer=customer).filter(status__in=LIVE_STATUSES))
    active = sorted((r for r in live if r.status == Status.ACTIVE), key=lambda r: (r.ends_at, r.pk))
    queued = sorted((r for r in live if r.status == Status.QUEUED), key=lambda r: (r.requested_at, r.pk))
    places = queue_places(queued, now)
    renewals = renewal_controls(customer, active, now)  # R29
    pauses = pause_controls(queued, now)  # R30
    costs = queued_costs(customer, now, queued=queued) if queued else []  # the price at promotion (issue 17)
    cost_of = {cost.reservation.pk: cost for cost in costs}
    shortfall = uncovered_total(costs, customer.balance)
    ranges = queued_expected_between(queued, now)
    queue_rows = []
    for reservation in queued:
        place = places.get(reservation.pk)
        wait = place.estimated_wait if place else None
        queue_rows.append(
            {
                "reservation": reservation,
                "position": place.position if place else None,
                "wait": describe_wait(wait),
                "expected_at": now + wait if wait else None,
                "cost": cost_of.get(reservation.pk),
                "expected_between": ranges.get(reservation.pk),  # R31
                **pauses[reservation.pk],
            }
        )
    history = Paginator(
        reservation_list(customer=customer).exclude(status__in=LIVE_STATUSES).order_by("-ended_at", "-id"),
        HISTORY_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "reservations/my_reservations.html",
        {
            "active_rows": [{"reservation": r, "overdue": r.is_overdue(now), **renewals.get(r.pk, {})} for r in active],
            "queue_rows": queue_rows,
            "queue_shortfall": shortfall,
            "queue_charge_url": wallet_charge_url(shortfall, reverse("my-reservations")) if shortfall else "",
            "history": history,
        },
        status=status,
    )


@customer_page()
def my_reservations_view(request: HttpRequest) -> HttpResponse:
    return _render_reservations(request, request.user.customer)


@require_POST
@customer_page(back_to="my-reservations")
def reservation_return_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Return a book early; its copy goes to the queue (R15, R13). No refund."""
    customer = request.user.customer
    reservation = get_object_or_404(reservation_list(customer=customer), pk=pk)
    try:
        reservation = return_reservation(customer=customer, reservation=reservation)
    except DomainError as error:
        messages.error(request, error.message)
        return _render_reservations(request, customer, status=error.status)
    if reservation.status == Status.EXPIRED:
        messages.info(
            request,
            _("“%(title)s” had already reached its end; it is back in the library.")
            % {"title": reservation.book.title},
        )
    else:
        messages.success(request, _("You returned “%(title)s”. Thank you!") % {"title": reservation.book.title})
    return redirect("my-reservations")


@require_POST
@customer_page(back_to="my-reservations")
def reservation_leave_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Leave a queue, at no charge (R14)."""
    customer = request.user.customer
    reservation = get_object_or_404(reservation_list(customer=customer), pk=pk)
    try:
        reservation = leave_queue(customer=customer, reservation=reservation)
    except DomainError as error:
        messages.error(request, error.message)
        return _render_reservations(request, customer, status=error.status)
    messages.success(
        request, _("You left the queue for “%(title)s”. Nothing was charged.") % {"title": reservation.book.title}
    )
    return redirect("my-reservations")


@require_POST
@customer_page(back_to=lambda pk: reverse("book-detail", args=[pk]))
def book_reserve_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Reserve the book: a loan at once if a unit is free, else a place in the queue (R8–R12)."""
    book = book_or_404(pk)
    customer = request.user.customer
    form = ReserveForm(request.POST, rule=customer.rule_at())
    if not form.is_valid():
        return render_book_page(request, book, extra={"reserve_data": request.POST}, status=400)
    try:
        reservation = reserve(customer=customer, book=book, days=form.cleaned_data["days"])
    except InsufficientFunds as error:
        messages.error(
            request,
            _("%(refusal)s Charge at least %(amount)s, then reserve “%(title)s” again.")
            % {"refusal": error.message, "amount": toman(error.suggested_charge), "title": book.title},
        )
        return redirect(wallet_charge_url(error.shortfall, reverse("book-detail", args=[pk])))
    except DomainError as error:
        refused = {"reserve_data": request.POST, "reserve_error": error}
        return render_book_page(request, book_or_404(pk), extra=refused, status=error.status)
    if reservation.status == Status.ACTIVE:
        values = {"title": book.title, "ends": local_time(reservation.ends_at), "price": toman(reservation.price)}
        if reservation.discount:
            values["discount"] = number(reservation.discount)
            text = _("“%(title)s” is yours until %(ends)s. %(price)s was charged (−%(discount)s%%).")
        else:
            text = _("“%(title)s” is yours until %(ends)s. %(price)s was charged.")
        messages.success(request, text % values)
    else:
        messages.info(
            request,
            _(
                "No copy of “%(title)s” is free, so you joined its queue at place %(place)s. "
                "Nothing is charged until a copy is yours."
            )
            % {"title": book.title, "place": number(place) if (place := position_in_queue(reservation)) else "—"},
        )
    return redirect("my-reservations")
