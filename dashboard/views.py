"""The admin dashboard at /admin/dashboard/: reservations, sales, queues and wallet revenue at a glance.

Charts are drawn on the server as inline SVG (dashboard.charts); the same numbers
are listed in tables. Days are calendar days in the site's time zone (Asia/Tehran).

Decisions where SPEC is silent:
- "Reservations per day" counts the reservation requests made that day, whether they
  became active at once or joined a queue.
- "Wallet revenue" of a day is what customers paid that day: reservation and
  subscription debits minus refunds, the same "paid" as R7. Charges are not revenue:
  they only move money into the customer's own wallet. A day with more refunds than
  income shows a negative bar.
- "Sales" of a day are the shop's orders placed that day and not cancelled since (a
  cancelled order was refunded, R36): how many, the copies in them and their totals.
  Their payments are in the day's revenue as well (R7 counts purchases as paid).
- The most wanted books are the ten with the most customers waiting now (R33's
  ``queued``: paused places do not wait), from the demand report (reservations.demand),
  with their units and the units to buy; the whole report is at /admin/demand/.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import WalletTransaction
from core.formatting import local_date, number, toman
from reservations.demand import most_wanted
from reservations.models import Reservation
from shop.models import Order, OrderLine, OrderStatus

from .charts import bar_chart, column_chart

WINDOW_DAYS = 30
TOP_QUEUES = 10
# Who may open the dashboard: staff who may see reservations and the ledger.
REQUIRED_PERMISSIONS = ("reservations.view_reservation", "billing.view_wallettransaction")


@dataclass(frozen=True)
class DayActivity:
    """One calendar day: reservation requests made, toman paid (R7's "paid") and the shop's sales."""

    day: date
    reservations: int
    revenue: int
    orders: int = 0
    copies_sold: int = 0
    sales: int = 0


def daily_activity(*, now: datetime, days: int = WINDOW_DAYS) -> list[DayActivity]:
    """Reservations requested and wallet revenue for each of the last `days` local days, oldest first."""
    zone = timezone.get_current_timezone()
    today = timezone.localdate(now, zone)
    first_day = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first_day, time.min), zone)
    end = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min), zone)

    reservations = dict(
        Reservation.objects.filter(requested_at__gte=start, requested_at__lt=end)
        .annotate(day=TruncDate("requested_at", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(count=Count("pk"))
        .values_list("day", "count")
    )
    paid = dict(
        WalletTransaction.objects.paid()
        .filter(created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(total=Sum("amount"))
        .values_list("day", "total")
    )
    kept = Order.objects.filter(created_at__gte=start, created_at__lt=end).exclude(status=OrderStatus.CANCELLED)
    orders = {
        row["day"]: row
        for row in kept.annotate(day=TruncDate("created_at", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(count=Count("pk"), total=Sum("total"))
    }
    copies = dict(
        OrderLine.objects.filter(order__in=kept)
        .annotate(day=TruncDate("order__created_at", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(copies=Sum("quantity"))
        .values_list("day", "copies")
    )
    return [
        DayActivity(
            day=day,
            reservations=reservations.get(day, 0),
            revenue=-(paid.get(day) or 0),
            orders=orders.get(day, {}).get("count", 0),
            copies_sold=copies.get(day) or 0,
            sales=orders.get(day, {}).get("total") or 0,
        )
        for day in (first_day + timedelta(days=offset) for offset in range(days))
    ]


def month_day(day: date) -> str:
    """A chart's day label: 11-24, or in Persian the Jalali ۰۹/۰۳ (local_date without its year)."""
    return local_date(day)[5:]


def _dashboard(request: HttpRequest) -> TemplateResponse:
    """Charts and tables of the last 30 days' reservations, sales and revenue and today's queues."""
    if not request.user.has_perms(REQUIRED_PERMISSIONS):
        raise PermissionDenied(_("Only admins see the dashboard."))
    now = timezone.now()
    activity = daily_activity(now=now)
    queues = most_wanted(now=now, limit=TOP_QUEUES)
    labels = [month_day(row.day) for row in activity]
    context = {
        **admin.site.each_context(request),
        "title": _("Dashboard"),
        "now": now,
        "activity": activity,
        "queues": queues,
        "total_reservations": sum(row.reservations for row in activity),
        "total_revenue": sum(row.revenue for row in activity),
        "total_orders": sum(row.orders for row in activity),
        "total_copies_sold": sum(row.copies_sold for row in activity),
        "total_sales": sum(row.sales for row in activity),
        "sales_chart": column_chart(
            chart_id="chart-sales",
            title=_("Books sold per day, last %(days)s days (copies)") % {"days": number(WINDOW_DAYS)},
            labels=labels,
            values=[row.copies_sold for row in activity],
            x_title=_("Day (month-day)"),
            y_title=_("Copies"),
        ),
        "reservations_chart": column_chart(
            chart_id="chart-reservations",
            title=_("Reservations per day, last %(days)s days") % {"days": number(WINDOW_DAYS)},
            labels=labels,
            values=[row.reservations for row in activity],
            x_title=_("Day (month-day)"),
            y_title=_("Reservations"),
        ),
        "revenue_chart": column_chart(
            chart_id="chart-revenue",
            title=_("Wallet revenue per day, last %(days)s days (toman)") % {"days": number(WINDOW_DAYS)},
            labels=labels,
            values=[row.revenue for row in activity],
            x_title=_("Day (month-day)"),
            y_title=_("Toman"),
            value_format=toman,
        ),
        "queues_chart": bar_chart(
            chart_id="chart-queues",
            title=_("The %(count)s most wanted books: customers waiting") % {"count": number(TOP_QUEUES)},
            labels=[row.title for row in queues],
            values=[row.queued for row in queues],
            x_title=_("Customers waiting"),
        )
        if queues
        else None,
    }
    return TemplateResponse(request, "admin/dashboard.html", context)


# admin_view: staff only (others go to the admin login, which is the two-step login), no caching.
dashboard_view = admin.site.admin_view(_dashboard)
