"""Renewing a loan from my reservations (R29): the Renew control of each loan and its action.

Decisions where SPEC is silent:
- Each running loan shows how many times it was renewed and how many renewals are left,
  then either a small form (the days the tier allows, each with its price now, R6, R7) or
  the reason it cannot be renewed: someone waits for the book, the limit is reached, or
  the customer is on the Free tier. The service checks all of it again on the locked rows.
- The action answers with a redirect back to my reservations and a message, the refusal's
  reason as an error; a short wallet goes to the charge page with the shortfall filled in
  and a way back (R11). Works without JavaScript.
"""

from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Customer
from accounts.pages import customer_page
from billing.exceptions import InsufficientFunds
from billing.views import wallet_charge_url
from core.exceptions import DomainError
from core.formatting import local_time, toman

from .forms import RenewForm
from .models import MAX_RENEWALS, Reservation
from .pricing import discount_percent
from .renewals import is_running, renew, renewal_refusal
from .selectors import reservation_list


def renewal_controls(customer: Customer, loans: list[Reservation], now: datetime) -> dict[int, dict]:
    """For each running loan: renewals left, and its Renew form or why it cannot be renewed (R29).

    Two queries whatever the number of loans: the books someone waits for, and the
    customer's discount now for the prices of the choices.
    """
    running = [loan for loan in loans if is_running(loan, now)]
    if not running:
        return {}
    rule = customer.rule_at(now)
    books = {loan.book_id for loan in running}
    waited_for = set(Reservation.objects.filter(book_id__in=books).waiting(now).values_list("book_id", flat=True))
    discount = discount_percent(customer, now) if rule else 0
    controls = {}
    for loan in running:
        refusal = renewal_refusal(loan, rule=rule, book_has_queue=loan.book_id in waited_for, now=now)
        controls[loan.pk] = {
            "renewals_left": max(0, MAX_RENEWALS - loan.renewals),
            "renew_form": None if refusal else RenewForm(rule=rule, discount=discount, reservation_id=loan.pk),
            "renew_refusal": refusal.message if refusal else "",
        }
    return controls


@require_POST
@customer_page(back_to="my-reservations")
def reservation_renew_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Renew a running loan by the days chosen, paid from the wallet (R29)."""
    customer = request.user.customer
    reservation = get_object_or_404(reservation_list(customer=customer), pk=pk)
    form = RenewForm(request.POST, rule=customer.rule_at(), reservation_id=pk)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["days"]))
        return redirect("my-reservations")
    try:
        reservation = renew(customer=customer, reservation=reservation, days=form.cleaned_data["days"])
    except InsufficientFunds as error:
        messages.error(
            request,
            _("%(refusal)s Charge at least %(amount)s, then renew “%(title)s” again.")
            % {"refusal": error.message, "amount": toman(error.suggested_charge), "title": reservation.book.title},
        )
        return redirect(wallet_charge_url(error.shortfall, reverse("my-reservations")))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("my-reservations")
    messages.success(
        request,
        _("“%(title)s” is renewed: it is yours until %(ends)s.")
        % {"title": reservation.book.title, "ends": local_time(reservation.ends_at)},
    )
    return redirect("my-reservations")
