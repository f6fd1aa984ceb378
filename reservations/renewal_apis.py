"""``POST reservations/{id}/renew/``: extend a running loan (R29), one operation per class.

Another customer's reservation answers 404, as every reservation endpoint does
(``reservations.apis.visible_reservation``); days out of range answer 400 ``invalid_days``
from the service (R4), the serializer checking only that they are a whole number.
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsCustomer
from billing.apis import InsufficientFundsErrorSerializer
from core.api import NOT_AUTHENTICATED, StrictInputSerializer, ValidationErrorSerializer, error

from .apis import NOT_FOUND, visible_reservation
from .renewals import renew
from .serializers import ReservationOutputSerializer, render_one


class ReservationRenewApi(APIView):
    """Renew a running loan by `days`, paid from the wallet, while nobody waits for the book (R29)."""

    permission_classes = [IsCustomer]

    class InputSerializer(StrictInputSerializer):
        """How many more days."""

        days = serializers.IntegerField(
            help_text="1 to 7 on Plus, 1 to 14 on Premium (R4); out of range gives 400 `invalid_days`."
        )

    @extend_schema(
        summary="Renew a loan",
        description=(
            "Moves `ends_at` by `days`; `days` and `price` become the loan's totals and `renewals` counts "
            "the renewals, at most 2 (R29). Priced by R6/R7 now and paid from the wallet; the customer "
            "is notified (R32)."
        ),
        tags=["reservations"],
        request=InputSerializer,
        responses={
            200: ReservationOutputSerializer,
            400: error(
                "`invalid` (missing field, wrong type), `invalid_days` (R4), `parse_error`.", ValidationErrorSerializer
            ),
            401: NOT_AUTHENTICATED,
            402: error("`insufficient_funds` (R11): nothing was charged or renewed.", InsufficientFundsErrorSerializer),
            403: error("`subscription_required` (R1), or `permission_denied` for a non-customer."),
            404: NOT_FOUND,
            409: error(
                "`reservation_not_active`: queued, ended or past its end; `renewal_limit_reached`; "
                "`book_has_queue`: someone waits for the book (R29)."
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        now = timezone.now()
        reservation = renew(
            customer=request.user.customer,
            reservation=visible_reservation(request.user, pk),
            days=serializer.validated_data["days"],
            now=now,
        )
        return Response(render_one(reservation, now))
