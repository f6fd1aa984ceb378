"""Reservations API: reserve, list, return, leave the queue, admin end, holders (R1–R16, R25).

Each view parses its input, calls one reservation service or selector and renders the
result; domain errors go to the one exception handler (``core.api.exception_handler``).

Decisions where SPEC is silent:
- A reservation is found only among those the user may see: a customer's own, or any for
  an admin. Another customer's reservation answers 404, so ids reveal nothing.
- ``book`` naming no book is an input error: 400 with ``errors.book`` (code ``invalid``),
  since it is a field of the body, not the resource of the URL.
- Days are checked by the service (R4), so any whole number out of range answers
  400 ``invalid_days``; the serializer checks only that it is a whole number.
- A queued reservation carries ``position`` (1-based, R12 order now),
  ``estimated_wait`` (ISO 8601 duration, such as ``P2DT03H00M00S``) and ``estimated_wait_seconds``
  (integer), both in whole seconds; both waits are null when no unit will come back (the book owns none). All
  three are null for a reservation that is not queued.
- ``end_reason`` is null until the reservation ends.
- ``DELETE reservations/{id}/`` takes a queued entry out: the customer leaves (R14), an
  admin removes it (R25, the customer is notified). An active reservation answers 409:
  it is returned (customer) or ended (admin) through its own endpoint.
- ``GET books/{id}/holders/`` lists ``customer`` as the username, with ``customer_id`` too.
"""

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Tier
from accounts.permissions import IsAdmin, IsCustomer, is_admin
from billing.apis import InsufficientFundsErrorSerializer
from catalog.filters import MAX_ID
from catalog.models import Book
from core.api import (
    NOT_AUTHENTICATED,
    PAGE_QUERY_PARAMETERS,
    StandardPagination,
    StrictInputSerializer,
    ValidationErrorSerializer,
    error,
)
from core.compiled import CompiledQuery, Param

from .models import Reservation, Status
from .selectors import holders_and_queue, reservation_list
from .serializers import ReservationOutputSerializer, render, render_one
from .services import end_reservation_by_admin, leave_queue, remove_from_queue_by_admin, reserve, return_reservation

NOT_FOUND = error("`not_found`: no such reservation among those you may see.")
CUSTOMER_OR_ADMIN = IsCustomer | IsAdmin


def _own_reservation(pk: int, customer: int) -> QuerySet[Reservation]:
    return reservation_list(customer=customer).select_related("customer").filter(pk=pk)[:1]


def _any_reservation(pk: int) -> QuerySet[Reservation]:
    return reservation_list().select_related("customer").filter(pk=pk)[:1]


# Compiled once per thread (core.compiled): every return and detail reads one.
_OWN_RESERVATION = CompiledQuery(_own_reservation, pk=Param("pk", 0), customer=Param("customer", 0))
_ANY_RESERVATION = CompiledQuery(_any_reservation, pk=Param("pk", 0))


def visible_reservation(user, pk: int) -> Reservation:
    """The reservation `pk` if `user` may see it (their own, or any for an admin), else 404."""
    if is_admin(user):
        reservation = _ANY_RESERVATION.first(pk=pk)
    else:
        reservation = _OWN_RESERVATION.first(pk=pk, customer=user.customer.pk)
    if reservation is None:
        raise Http404("No reservation matches the given query.")
    return reservation


class ReservationListCreateApi(APIView):
    """``reservations/``: GET lists reservations, POST reserves a book.

    SPEC puts two operations on one path; each handler is one operation with its own
    serializers and permission (listing: customers and admins; reserving: customers).
    """

    pagination_class = StandardPagination

    class FilterSerializer(serializers.Serializer):
        """The list's query: ``?status=`` keeps one status."""

        status = serializers.ChoiceField(choices=Status.choices, required=False, help_text="Only this status.")

    class InputSerializer(StrictInputSerializer):
        """What to reserve and for how many days."""

        # The id only: reserve() locks the row anyway and answers errors.book when there is none.
        book = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The book's id.")
        days = serializers.IntegerField(
            help_text="1 to 7 on Plus, 1 to 14 on Premium (R4); out of range gives 400 `invalid_days`."
        )

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsCustomer()]
        return [CUSTOMER_OR_ADMIN()]

    @extend_schema(
        summary="List reservations: my own, or everyone's for an admin",
        tags=["reservations"],
        parameters=[FilterSerializer, *PAGE_QUERY_PARAMETERS],
        responses={
            200: ReservationOutputSerializer(many=True),
            400: error("`invalid`: unknown status.", ValidationErrorSerializer),
            401: NOT_AUTHENTICATED,
            403: error("`permission_denied`: authors have no reservations."),
            404: error("`not_found`: the page does not exist."),
        },
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        customer = None if is_admin(request.user) else request.user.customer
        reservations = reservation_list(customer=customer, status=filters.validated_data.get("status"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(reservations, request, view=self)
        return paginator.get_paginated_response(render(page, timezone.now()))

    @extend_schema(
        summary="Reserve a book",
        description=(
            "Active at once (201) when a unit is free and the wallet pays (R9); otherwise queued (202) "
            "with its position, nothing charged yet (R12)."
        ),
        tags=["reservations"],
        request=InputSerializer,
        responses={
            201: OpenApiResponse(ReservationOutputSerializer, description="Active: the price was charged."),
            202: OpenApiResponse(ReservationOutputSerializer, description="Queued, with position and wait."),
            400: error(
                "`invalid` (missing field, wrong type, unknown book), `invalid_days` (R4), `parse_error`.",
                ValidationErrorSerializer,
            ),
            401: NOT_AUTHENTICATED,
            402: error(
                "`insufficient_funds` (R11): nothing was charged or reserved.", InsufficientFundsErrorSerializer
            ),
            403: error("`subscription_required` (R1), or `permission_denied` for a non-customer."),
            409: error("`already_reserved` (R8), `reservation_limit_reached` (R10) or `book_withdrawn` (R28)."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        now = timezone.now()
        reservation = reserve(customer=request.user.customer, now=now, **serializer.validated_data)
        queued = reservation.status == Status.QUEUED
        return Response(
            render_one(reservation, now),
            status=status.HTTP_202_ACCEPTED if queued else status.HTTP_201_CREATED,
            headers={"Location": reverse("api:reservation-detail", args=[reservation.pk])},
        )


class ReservationDetailApi(APIView):
    """``reservations/{id}/``: GET shows one reservation, DELETE takes it out of its queue."""

    permission_classes = [CUSTOMER_OR_ADMIN]

    @extend_schema(
        summary="Show a reservation",
        tags=["reservations"],
        responses={
            200: ReservationOutputSerializer,
            401: NOT_AUTHENTICATED,
            403: error("`permission_denied`: authors have no reservations."),
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(render_one(visible_reservation(request.user, pk), timezone.now()))

    @extend_schema(
        summary="Leave the queue (customer) or remove an entry from it (admin)",
        description="No charge (R14). An admin's removal notifies the customer (R25).",
        tags=["reservations"],
        request=None,
        responses={
            204: OpenApiResponse(description="Taken out of the queue."),
            401: NOT_AUTHENTICATED,
            403: error("`permission_denied`: authors have no reservations."),
            404: NOT_FOUND,
            409: error(
                "`reservation_active`: return it instead (an admin gets `reservation_not_queued`); "
                "`reservation_not_queued`: it has already ended."
            ),
        },
    )
    def delete(self, request: Request, pk: int) -> Response:
        reservation = visible_reservation(request.user, pk)
        if is_admin(request.user):
            remove_from_queue_by_admin(reservation=reservation)
        else:
            leave_queue(customer=request.user.customer, reservation=reservation)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReservationReturnApi(APIView):
    """Return an active reservation early; its unit goes to the queue (R15, R13). No refund."""

    permission_classes = [IsCustomer]

    @extend_schema(
        summary="Return a book early",
        tags=["reservations"],
        request=None,
        responses={
            200: ReservationOutputSerializer,
            401: NOT_AUTHENTICATED,
            403: error("`permission_denied`: only customers return books."),
            404: NOT_FOUND,
            409: error("`reservation_not_active`: it is queued or has already ended."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        now = timezone.now()
        reservation = return_reservation(
            customer=request.user.customer, reservation=visible_reservation(request.user, pk), now=now
        )
        return Response(render_one(reservation, now))


class ReservationEndApi(APIView):
    """An admin ends an active reservation early; its unit goes to the queue (R25, R13)."""

    permission_classes = [IsAdmin]

    @extend_schema(
        summary="End a reservation early (admin)",
        tags=["reservations"],
        request=None,
        responses={
            200: ReservationOutputSerializer,
            401: NOT_AUTHENTICATED,
            403: error("`permission_denied`: only admins end reservations."),
            404: NOT_FOUND,
            409: error("`reservation_not_active`: it is queued or has already ended."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        now = timezone.now()
        reservation = end_reservation_by_admin(reservation=visible_reservation(request.user, pk), now=now)
        return Response(render_one(reservation, now))


class HoldersEntrySerializer(serializers.Serializer):
    """One entry of the holders view (R25): who, on what tier, for how long, at what price."""

    reservation = serializers.IntegerField(source="reservation.pk")
    customer = serializers.CharField(help_text="The customer's username.")
    customer_id = serializers.IntegerField(source="reservation.customer_id")
    tier = serializers.ChoiceField(choices=Tier.choices, help_text="The tier in force now.")
    days = serializers.IntegerField()
    price = serializers.IntegerField(help_text="Charged (holders), or what serving now would charge (queue).")
    requested_at = serializers.DateTimeField(source="reservation.requested_at")
    ends_at = serializers.DateTimeField(source="reservation.ends_at", allow_null=True)
    place = serializers.IntegerField(allow_null=True, help_text="In the queue: among the waiting entries (R30).")
    paused_until = serializers.DateTimeField(allow_null=True, help_text="A paused place: when it resumes (R30).")

    class Meta:
        ref_name = "HoldersEntry"


class BookHoldersApi(APIView):
    """A book's current holders and its queue in R12 order, for admins (R25)."""

    permission_classes = [IsAdmin]

    class OutputSerializer(serializers.Serializer):
        holders = HoldersEntrySerializer(many=True, help_text="Active reservations, soonest end first.")
        queue = HoldersEntrySerializer(many=True, help_text="Queued entries in R12 order.")

    @extend_schema(
        summary="Show a book's holders and queue (admin)",
        tags=["reservations"],
        responses={
            200: OutputSerializer,
            401: NOT_AUTHENTICATED,
            403: error("`permission_denied`: only admins see holders."),
            404: error("`not_found`: no such book."),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        book = get_object_or_404(Book, pk=pk)
        return Response(self.OutputSerializer(holders_and_queue(book, timezone.now())).data)
