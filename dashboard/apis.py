"""The demand report over REST: ``GET admin/demand/`` for admins, JSON pages or all of it as CSV (R33)."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdmin
from core.api import NOT_AUTHENTICATED, PAGE_QUERY_PARAMETERS, StandardPagination, error
from reservations.demand import SORTABLE, DemandRow, demand, demand_rows

from .demand import csv_filename, csv_text


class CsvRenderer(BaseRenderer):
    """``?format=csv`` (or ``Accept: text/csv``): the view renders the text itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return ("\ufeff" + data).encode(self.charset)


class DemandRowOutput(serializers.Serializer):
    """One book's demand (R33)."""

    book = serializers.IntegerField()
    title = serializers.CharField()
    units = serializers.IntegerField()
    on_loan = serializers.IntegerField(help_text="Loans running now.")
    queued = serializers.IntegerField(help_text="Customers waiting now; paused places are not counted (R30).")
    paused = serializers.IntegerField(help_text="Queued places paused now (R30).")
    queued_per_unit = serializers.FloatField(allow_null=True, help_text="queued ÷ units; null for a book with no unit.")
    median_wait_days = serializers.FloatField(
        allow_null=True, help_text="Median days from request to start of the last 30 days' promotions; null if none."
    )
    buy = serializers.IntegerField(help_text="max(0, ⌈queued ÷ DEMAND_QUEUE_PER_UNIT⌉ − units).")


ORDERING = sorted([*SORTABLE, *(f"-{column}" for column in SORTABLE)])


class DemandApi(APIView):
    """Every book's demand, sorted by ``?ordering=`` (R33).

    Implements R33.
    """

    permission_classes = [IsAdmin]
    renderer_classes = [JSONRenderer, CsvRenderer]
    pagination_class = StandardPagination

    @extend_schema(
        summary="Demand per book (admins): queued, on loan, median wait and units to buy",
        tags=["admin"],
        parameters=[
            OpenApiParameter(
                "ordering",
                OpenApiTypes.STR,
                enum=ORDERING,
                description="A column to sort by, `-` first for descending; default `-buy`, then `-queued`, title.",
            ),
            OpenApiParameter(
                "format", OpenApiTypes.STR, enum=["json", "csv"], description="`csv`: every book as one CSV file."
            ),
            *PAGE_QUERY_PARAMETERS,
        ],
        responses={
            (200, "application/json"): DemandRowOutput(many=True),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="Every book, R33's columns."),
            401: NOT_AUTHENTICATED,
            403: error("`permission_denied`: only admins see demand."),
            404: error("`not_found`: the page (or the format) does not exist."),
        },
    )
    def get(self, request: Request) -> Response:
        now = timezone.now()
        ordering = request.query_params.get("ordering")
        if request.accepted_renderer.format == "csv":
            response = Response(csv_text(demand_rows(now=now, ordering=ordering)))
            response["Content-Disposition"] = f'attachment; filename="{csv_filename(now)}"'
            return response
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(demand(now=now, ordering=ordering), request, view=self)
        return paginator.get_paginated_response(DemandRowOutput([DemandRow.of(book) for book in page], many=True).data)

    def finalize_response(self, request, response, *args, **kwargs):
        """Only the report is CSV: an error (R26) or OPTIONS' metadata stays JSON even when CSV was asked for."""
        renderer = getattr(request, "accepted_renderer", None)
        if renderer is not None and renderer.format == "csv" and not isinstance(getattr(response, "data", ""), str):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
