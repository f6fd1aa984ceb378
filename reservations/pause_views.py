"""Pausing and resuming a queued place from my reservations: "deliver later" (R30).

Decisions where SPEC is silent:
- Each queued row offers a date input (from tomorrow to 60 days on, tomorrow filled in)
  and a "Deliver later" button; a paused row says until when, in the page's calendar
  (Jalali in Persian), offers a Resume button and the same date input to move the day.
- Its place reads as the place it takes back when it resumes (the waiting entries ahead
  of it, plus one), so it does not jump when it resumes.
- The actions answer with a redirect back to my reservations and a message; a refusal's
  reason is the error message. Works without JavaScript.
"""

from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.pages import customer_page
from core.exceptions import DomainError
from core.formatting import local_date, local_time, toman

from .forms import PauseForm
from .models import Reservation, Status
from .pauses import pause, pause_days, resume
from .selectors import reservation_list


def pause_controls(queued: list[Reservation], now: datetime) -> dict[int, dict]:
    """For each queued place: when it resumes if paused now, and its "Deliver later" form (R30)."""
    first, last = pause_days(now)
    return {
        reservation.pk: {
            "paused_until": reservation.paused_until if reservation.is_paused(now) else None,
            "pause_form": PauseForm(reservation_id=reservation.pk, first=first, last=last),
        }
        for reservation in queued
    }


@require_POST
@customer_page(back_to="my-reservations")
def reservation_pause_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Pause a queued place until the day chosen, keeping its place in line (R30)."""
    customer = request.user.customer
    reservation = get_object_or_404(reservation_list(customer=customer), pk=pk)
    form = PauseForm(request.POST, reservation_id=pk)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["until"]))
        return redirect("my-reservations")
    try:
        reservation = pause(customer=customer, reservation=reservation, until=form.cleaned_data["until"])
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("my-reservations")
    messages.success(
        request,
        _("Your place for “%(title)s” is paused: it keeps its place in line, and a copy can come to you from %(day)s.")
        % {"title": reservation.book.title, "day": local_date(reservation.paused_until)},
    )
    return redirect("my-reservations")


@require_POST
@customer_page(back_to="my-reservations")
def reservation_resume_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Resume a paused place now; a free copy goes to it at once (R30, R13)."""
    customer = request.user.customer
    reservation = get_object_or_404(reservation_list(customer=customer), pk=pk)
    try:
        reservation = resume(customer=customer, reservation=reservation)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("my-reservations")
    values = {"title": reservation.book.title}
    if reservation.status == Status.ACTIVE:
        values.update(ends=local_time(reservation.ends_at), price=toman(reservation.price))
        text = _("A copy of “%(title)s” was free: it is yours until %(ends)s; %(price)s was charged.")
        messages.success(request, text % values)
    elif reservation.status == Status.QUEUED:
        messages.success(request, _("Your place for “%(title)s” is waiting again.") % values)
    else:  # the copy was free but could not be lent: dropped (R13), and told by a notification
        messages.warning(request, _("Your place for “%(title)s” was dropped from the queue.") % values)
    return redirect("my-reservations")
