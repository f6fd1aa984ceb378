"""Pause and resume a queued place: ``reservations/{id}/pause/`` and ``resume/`` (R30).

Each view parses its input, calls one service of ``reservations.pauses`` and renders the
reservation as every reservation endpoint does (``serializers.render_one``).

Decisions where SPEC is silent:
- ``until`` is an ISO date (``2026-12-24``); a value that is not one answers 400 with
  ``errors.until`` (code ``invalid``), a date out of range 400 ``invalid_pause_date``.
- Resuming a place that is not paused answers 200 with the reservation as it is.
- A resume that lets a free unit go to the place answers the reservation active (R13).
- A paused place's ``position`` is the place it takes back when it resumes: the waiting
  entries ahead of it, plus one.
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsCustomer
from core.api import NOT_AUTHENTICATED, StrictInputSerializer, ValidationErrorSerializer, error

from .apis import NOT_FOUND, visible_reservation
from .pauses import MAX_PAUSE_DAYS, pause, resume
from .serializers import ReservationOutputSerializer, render_one

NOT_QUEUED = error("`reservation_not_queued`: it is active or has ended.")
ONLY_CUSTOMERS = error("`permission_denied`: only customers pause their places.")


class ReservationPauseApi(APIView):
    """Pause a queued place until a day, keeping its place in line: "deliver later" (R30)."""

    permission_classes = [IsCustomer]

    class InputSerializer(StrictInputSerializer):
        until = serializers.DateField(
            help_text=(
                f"The day the place resumes by itself, at 00:00 in the site's time zone: from tomorrow to "
                f"{MAX_PAUSE_DAYS} days after today; out of range gives 400 `invalid_pause_date`."
            )
        )

    @extend_schema(
        summary="Pause a queued place until a day",
        description=(
            "The place keeps its request time and is skipped, not dropped, when a copy comes back; "
            "pausing again moves the day (R30)."
        ),
        tags=["reservations"],
        request=InputSerializer,
        responses={
            200: ReservationOutputSerializer,
            400: error("`invalid` (not an ISO date), `invalid_pause_date`, `parse_error`.", ValidationErrorSerializer),
            401: NOT_AUTHENTICATED,
            403: ONLY_CUSTOMERS,
            404: NOT_FOUND,
            409: NOT_QUEUED,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        reservation = visible_reservation(request.user, pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        now = timezone.now()
        reservation = pause(
            customer=request.user.customer, reservation=reservation, now=now, **serializer.validated_data
        )
        return Response(render_one(reservation, now))


class ReservationResumeApi(APIView):
    """Resume a paused place now; a free copy goes to it at once (R30, R13)."""

    permission_classes = [IsCustomer]

    @extend_schema(
        summary="Resume a paused place",
        description="A place that is not paused is answered as it is. If a copy is free it is served at once (R13).",
        tags=["reservations"],
        request=None,
        responses={
            200: ReservationOutputSerializer,
            401: NOT_AUTHENTICATED,
            403: ONLY_CUSTOMERS,
            404: NOT_FOUND,
            409: NOT_QUEUED,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        now = timezone.now()
        reservation = resume(customer=request.user.customer, reservation=visible_reservation(request.user, pk), now=now)
        return Response(render_one(reservation, now))
