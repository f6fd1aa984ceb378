"""The demand report in the admin at /admin/demand/ (R33): a sortable table and its CSV.

The figures are reservations.demand's; this module shows them. Sorting is a link in each
column head (``?o=queued``, ``?o=-queued``), so it works without JavaScript; ``?format=csv``
downloads the same rows in the same order.

Decisions where SPEC is silent:
- The CSV is data for a spreadsheet or a program, the same from the admin and the API:
  the column names of R33 as its header, Latin digits, a dot for decimals, an empty cell
  for no figure, UTF-8 with a byte-order mark (so a spreadsheet reads Persian titles),
  named ``demand-<local date>.csv``.
- A column's first click sorts the numbers largest first and the titles from A (or الف).
"""

import csv
import io
from datetime import datetime

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formatting import number
from reservations.demand import COLUMNS, DEFAULT_ORDERING, SORTABLE, DemandRow, demand_rows, queue_per_unit

# Who may open the report: staff who may see reservations and books.
REQUIRED_PERMISSIONS = ("reservations.view_reservation", "catalog.view_book")
HEADINGS = {
    "book": gettext_lazy("Book id"),
    "title": gettext_lazy("Title"),
    "units": gettext_lazy("Units"),
    "on_loan": gettext_lazy("On loan"),
    "queued": gettext_lazy("Waiting"),
    "paused": gettext_lazy("Paused"),
    "queued_per_unit": gettext_lazy("Waiting per unit"),
    "median_wait_days": gettext_lazy("Median wait (days)"),
    "buy": gettext_lazy("Buy"),
}


def csv_text(rows: list[DemandRow]) -> str:
    """The rows as CSV: a header of R33's column names, then one line per book.

    Implements R33.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if getattr(row, column) is None else getattr(row, column) for column in COLUMNS])
    return out.getvalue()


def csv_filename(now: datetime) -> str:
    return f"demand-{timezone.localdate(now):%Y-%m-%d}.csv"


def csv_response(rows: list[DemandRow], now: datetime) -> HttpResponse:
    response = HttpResponse("\ufeff" + csv_text(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{csv_filename(now)}"'
    return response


def _heads(ordering: str) -> list[dict]:
    """Each column's heading, the link that sorts by it, and whether (and how) the table is sorted by it."""
    heads = []
    for column in COLUMNS:
        first = column if column == "title" else f"-{column}"
        if ordering == column:
            link, sorted_as = f"-{column}", "ascending"
        elif ordering == f"-{column}":
            link, sorted_as = column, "descending"
        else:
            link, sorted_as = first, ""
        heads.append({"column": column, "label": HEADINGS[column], "link": link, "sorted": sorted_as})
    return heads


def _demand(request: HttpRequest) -> HttpResponse:
    """The demand table sorted by ``?o=``, or its CSV with ``?format=csv`` (R33)."""
    if not request.user.has_perms(REQUIRED_PERMISSIONS):
        raise PermissionDenied(_("Only admins see the demand report."))
    now = timezone.now()
    ordering = request.GET.get("o", "")
    if ordering.removeprefix("-") not in SORTABLE:
        ordering = DEFAULT_ORDERING[0]
    rows = demand_rows(now=now, ordering=ordering)
    if request.GET.get("format") == "csv":
        return csv_response(rows, now)
    context = {
        **admin.site.each_context(request),
        "title": _("Demand"),
        "now": now,
        "rows": rows,
        "heads": _heads(ordering),
        "ordering": ordering,
        "per_unit": number(queue_per_unit()),
        "to_buy": sum(row.buy for row in rows),
    }
    return TemplateResponse(request, "admin/demand.html", context)


# admin_view: staff only (others go to the admin login), no caching.
demand_view = admin.site.admin_view(_demand)
