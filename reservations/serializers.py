"""How the reservation endpoints write a reservation (SPEC section 4, Representations).

Shared by every reservation endpoint: ``render`` for lists, ``render_one`` for one.
"""

from datetime import datetime, timedelta

from django.utils.duration import duration_iso_string
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .estimates import Range, queued_expected_between
from .models import EndReason, Reservation, Status
from .selectors import QueuePlace, queue_place, queue_places


class ReservationOutputSerializer(serializers.Serializer):
    """A reservation as every endpoint shows it (SPEC section 4, Representations).

    Pass ``context={"places": queue_places(...), "estimates": queued_expected_between(...)}`` so
    queued rows show where they stand and when a unit should come (R14, R31).
    """

    id = serializers.IntegerField()
    book = serializers.IntegerField(source="book_id")
    book_title = serializers.CharField(source="book.title")
    customer = serializers.IntegerField(source="customer_id")
    status = serializers.ChoiceField(choices=Status.choices)
    days = serializers.IntegerField()
    requested_at = serializers.DateTimeField()
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    price = serializers.IntegerField(allow_null=True, help_text="Toman charged, after the discount; null while queued.")
    discount = serializers.IntegerField(allow_null=True, help_text="Percent (R7); null while queued.")
    ended_at = serializers.DateTimeField(allow_null=True)
    end_reason = serializers.SerializerMethodField()
    renewals = serializers.IntegerField(help_text="How many times the loan was renewed (R29).")
    paused_until = serializers.DateTimeField(
        allow_null=True, help_text="While a queued place is paused: when it resumes by itself (R30)."
    )
    position = serializers.SerializerMethodField()
    estimated_wait = serializers.SerializerMethodField()
    estimated_wait_seconds = serializers.SerializerMethodField()
    expected_between = serializers.SerializerMethodField()

    class Meta:
        ref_name = "Reservation"

    def to_representation(self, instance: Reservation) -> dict:
        """What the fields above make of `instance`, written out: every reserve and return answers
        with one, and DRF's walk over the fields cost more than the reserve's queries (make bench).
        A test checks that it equals the generic ``Serializer.to_representation``.
        """
        place = self._place(instance)
        wait = None if place is None or place.estimated_wait is None else int(place.estimated_wait.total_seconds())
        return {
            "id": instance.pk,
            "book": instance.book_id,
            "book_title": instance.book.title,
            "customer": instance.customer_id,
            "status": str(instance.status),
            "days": instance.days,
            "requested_at": _datetime(instance.requested_at),
            "starts_at": _datetime(instance.starts_at),
            "ends_at": _datetime(instance.ends_at),
            "price": instance.price,
            "discount": instance.discount,
            "ended_at": _datetime(instance.ended_at),
            "end_reason": instance.end_reason or None,
            "renewals": instance.renewals,
            "paused_until": _datetime(instance.paused_until),
            "position": place.position if place else None,
            "estimated_wait": None if wait is None else duration_iso_string(timedelta(seconds=wait)),
            "estimated_wait_seconds": wait,
            "expected_between": self.get_expected_between(instance),
        }

    def _place(self, reservation: Reservation) -> QueuePlace | None:
        return self.context.get("places", {}).get(reservation.pk)

    @extend_schema_field(serializers.ChoiceField(choices=EndReason.choices, allow_null=True))
    def get_end_reason(self, reservation: Reservation) -> str | None:
        return reservation.end_reason or None

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text="1-based place in the queue (R14)."))
    def get_position(self, reservation: Reservation) -> int | None:
        place = self._place(reservation)
        return place.position if place else None

    @extend_schema_field(
        serializers.CharField(allow_null=True, help_text="ISO 8601 duration in whole seconds, such as P2DT03H00M00S.")
    )
    def get_estimated_wait(self, reservation: Reservation) -> str | None:
        seconds = self.get_estimated_wait_seconds(reservation)
        return None if seconds is None else duration_iso_string(timedelta(seconds=seconds))

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text="The estimated wait in whole seconds."))
    def get_estimated_wait_seconds(self, reservation: Reservation) -> int | None:
        place = self._place(reservation)
        if place is None or place.estimated_wait is None:
            return None
        return int(place.estimated_wait.total_seconds())

    @extend_schema_field(
        serializers.ListField(
            child=serializers.DateTimeField(),
            min_length=2,
            max_length=2,
            allow_null=True,
            help_text="While queued: [earliest, latest] of when a unit should come (R31); null otherwise.",
        )
    )
    def get_expected_between(self, reservation: Reservation) -> list[str] | None:
        span: Range = self.context.get("estimates", {}).get(reservation.pk)
        return None if span is None else [_datetime(moment) for moment in span]


def render(reservations: list[Reservation], now: datetime) -> list[dict]:
    """Serialize reservations with the queue places and wait ranges of the queued ones (a fixed number of queries)."""
    context = {"places": queue_places(reservations, now), "estimates": queued_expected_between(reservations, now)}
    return ReservationOutputSerializer(reservations, many=True, context=context).data


def render_one(reservation: Reservation, now: datetime) -> dict:
    """One reservation as render() shows it, its queue place read for it alone (queue_place)."""
    place = queue_place(reservation, now)
    context = {
        "places": {reservation.pk: place} if place else {},
        "estimates": queued_expected_between([reservation], now) if place else {},
    }
    return ReservationOutputSerializer(reservation, context=context).data


_DATETIME_FIELD = serializers.DateTimeField()


def _datetime(value: datetime | None) -> str | None:
    return None if value is None else _DATETIME_FIELD.to_representation(value)
