"""The reserve box of the catalog's book page: what a visitor may do with the book now (R1–R14).

The catalog's page places it (``{% load lending %}{% reserve_box %}``) and knows nothing
of loans and queues: this app, a layer above, fills it. A refused reserve
(``reservations.views.book_reserve_view``) renders the book page again with the form's
data and the refusal as ``reserve_data`` and ``reserve_error``.
"""

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils import timezone

from accounts.models import Tier
from accounts.permissions import is_customer

from ..estimates import book_expected_between
from ..exceptions import InvalidDays
from ..forms import ReserveForm
from ..models import Status
from ..pricing import base_price, discount_percent
from ..selectors import queue_places, reservation_list, wait_if_joined
from ..views import describe_wait

register = template.Library()
# The days the reserve form offers first: a short loan, not the dearest choice (issue 17).
DEFAULT_DAYS = 3


@register.inclusion_tag("reservations/_reserve_box.html", takes_context=True)
def reserve_box(context: template.Context) -> dict:
    request, book = context["request"], context["book"]
    now = timezone.now()
    user = request.user
    box = {
        "book": book,
        "user": user,
        "role": user.role if user.is_authenticated else None,
        "csrf_token": context.get("csrf_token"),
        "login_url": f"{reverse('login')}?{urlencode({'next': reverse('book-detail', args=[book.pk])})}",
        "price_a_day": base_price(1),
    }
    customer = user.customer if is_customer(user) else None
    if book.available_units <= 0 and (customer is not None or not user.is_authenticated):
        # How long a newcomer would wait, told before they join (R14).
        join = wait_if_joined(book, now, customer)
        box.update(join=join, join_wait=describe_wait(join.estimated_wait))
        # When a copy should come, as days (R31): the customer's own tier, else both.
        ranges = book_expected_between(book, now) or {}
        tier = Tier.PREMIUM if customer is not None and customer.has_queue_priority(now) else Tier.PLUS
        box.update(join_ranges=ranges, join_range=ranges.get(str(tier)))
    if customer is None:
        return box
    rule = customer.rule_at(now)
    discount = discount_percent(customer, now) if rule else 0
    # A loan past its end holds nothing (R16): the page offers the book again at once.
    live = reservation_list(customer=customer).filter(book=book).live_at(now).first()
    place = queue_places([live], now).get(live.pk) if live and live.status == Status.QUEUED else None
    data, error = context.get("reserve_data"), context.get("reserve_error")
    days = min(DEFAULT_DAYS, rule.max_days) if rule else 1
    form = ReserveForm(data, rule=rule, discount=discount, initial={"days": days})
    if data is not None:
        form.is_valid()
    if error is not None:
        form.add_error("days" if isinstance(error, InvalidDays) else None, error.message)
    box.update(
        customer=customer,
        rule=rule,
        tier_label=Tier(customer.tier_at(now)).label,
        discount=discount,
        live=live,
        place=place,
        wait=describe_wait(place.estimated_wait) if place else None,
        reserve_form=form,
    )
    return box
