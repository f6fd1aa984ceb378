"""Wallet and subscription API (SPEC section 4; R5, R11, R17–R20).

Each view parses its input, calls one billing service and renders the result; domain
errors go to the one exception handler (``core.api.exception_handler``).

Decisions where SPEC is silent:
- ``GET wallet/`` answers ``{balance, transactions}`` with ``transactions`` a plain list of
  the newest 20 ledger rows (SPEC's Wallet representation); ``GET wallet/transactions/``
  pages through the whole ledger, newest first, in the standard shape
  ``{count, next, previous, results}`` with ``?page=`` and ``?page_size=``.
- ``POST wallet/charge/`` answers 201 the first time; a repeat with the same
  ``Idempotency-Key`` answers 200 with the first result (the same transaction, and the
  balance it left) and the header ``Idempotent-Replayed: true``; nothing is charged again.
  While the first request is still at the gateway a repeat gets 409 ``charge_in_progress``
  with ``Retry-After``; a declined key answers the same 402 on every repeat; a gateway
  failure or timeout is 503 ``payment_gateway_unavailable`` with ``Retry-After`` and the
  ``idempotency_key`` to retry with (made by the server when the client sent none), and
  that retry charges at most once (``billing.models.GatewayCharge`` has the states).
- The ranges of the rules (amount 1,000 to 100,000,000; 1 to 12 months) are checked by the
  services, so their errors carry the rule's own code (``invalid_amount``,
  ``invalid_subscription``); the serializers check only types.
- ``GET subscription/`` shows the tier in force now (R5): ``ends_at`` is null on Free.
- ``PATCH subscription/ {auto_renew}`` switches auto-renew (R20): an addition to SPEC's
  table, since a customer needs a way to turn it on.
"""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Tier
from accounts.permissions import IsCustomer
from accounts.services import set_auto_renew
from core.api import (
    NOT_AUTHENTICATED,
    PAGE_QUERY_PARAMETERS,
    ErrorSerializer,
    StandardPagination,
    StrictInputSerializer,
    error,
    invalid,
)

from .models import TransactionKind, WalletTransaction
from .rules import MAX_CHARGE, MIN_CHARGE
from .services import MAX_MONTHS, buy_subscription, charge_wallet

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Printable ASCII only: a NUL byte cannot be stored, and keys are meant to be UUID-like tokens.


class InsufficientFundsErrorSerializer(ErrorSerializer):
    """402 ``insufficient_funds`` (R11): how much is missing and where to top up."""

    shortfall = serializers.IntegerField(help_text="Toman missing from the wallet.")
    charge_url = serializers.CharField(help_text="The wallet charge endpoint with the shortfall as `?amount=`.")

    class Meta:
        ref_name = "InsufficientFundsError"


NOT_A_CUSTOMER = error("`permission_denied`: only customers have a wallet and a subscription.")

RECENT_TRANSACTIONS = 20  # SPEC: the Wallet's `transactions` holds at most 20, newest first


class TransactionSerializer(serializers.Serializer):
    """A ledger row: a signed change of the wallet and the balance it left (R19)."""

    id = serializers.IntegerField()
    amount = serializers.IntegerField(help_text="Signed toman: positive adds to the wallet.")
    kind = serializers.ChoiceField(choices=TransactionKind.choices)
    reference = serializers.CharField()
    balance_after = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "WalletTransaction"


class ChargeConflictErrorSerializer(ErrorSerializer):
    """409 on a charge: ``idempotency_key_reused``, or ``charge_in_progress`` with ``retry_after`` (R17)."""

    retry_after = serializers.IntegerField(
        required=False, help_text="`charge_in_progress` only: seconds to wait (also the `Retry-After` header)."
    )

    class Meta:
        ref_name = "ChargeConflictError"


class GatewayUnavailableErrorSerializer(ErrorSerializer):
    """503 ``payment_gateway_unavailable``: retry with ``idempotency_key`` after ``retry_after`` (R17)."""

    idempotency_key = serializers.CharField(
        help_text="The key the gateway was given (the server's own if you sent none): retry with it."
    )
    retry_after = serializers.IntegerField(help_text="Seconds to wait before retrying (also `Retry-After`).")

    class Meta:
        ref_name = "GatewayUnavailableError"


class WalletDetailApi(APIView):
    """The customer's balance and the newest ledger rows."""

    permission_classes = [IsCustomer]

    class OutputSerializer(serializers.Serializer):
        balance = serializers.IntegerField(help_text="Toman; always the sum of the ledger (R19).")
        transactions = TransactionSerializer(
            many=True,
            help_text=f"The newest {RECENT_TRANSACTIONS} ledger rows, newest first; "
            "the whole ledger is at `wallet/transactions/`.",
        )

    @extend_schema(
        summary="Show my wallet: balance and the newest transactions",
        tags=["wallet"],
        responses={200: OutputSerializer, 401: NOT_AUTHENTICATED, 403: NOT_A_CUSTOMER},
    )
    def get(self, request: Request) -> Response:
        customer = request.user.customer
        recent = WalletTransaction.objects.filter(customer=customer).order_by("-created_at", "-id")
        body = {"balance": customer.balance, "transactions": recent[:RECENT_TRANSACTIONS]}
        return Response(self.OutputSerializer(body).data)


class WalletTransactionListApi(APIView):
    """The customer's whole ledger, newest first, one page at a time."""

    permission_classes = [IsCustomer]
    pagination_class = StandardPagination

    @extend_schema(
        summary="List my wallet transactions",
        tags=["wallet"],
        parameters=PAGE_QUERY_PARAMETERS,
        responses={
            200: TransactionSerializer(many=True),
            401: NOT_AUTHENTICATED,
            403: NOT_A_CUSTOMER,
            404: error("`not_found`: the page does not exist."),
        },
    )
    def get(self, request: Request) -> Response:
        ledger = WalletTransaction.objects.filter(customer=request.user.customer).order_by("-created_at", "-id")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(ledger, request, view=self)
        return paginator.get_paginated_response(TransactionSerializer(page, many=True).data)


class WalletChargeApi(APIView):
    """Charge the wallet through the payment gateway (R17)."""

    permission_classes = [IsCustomer]

    class InputSerializer(StrictInputSerializer):
        """How much to charge."""

        amount = serializers.IntegerField(
            help_text=f"Whole toman, from {MIN_CHARGE:,} to {MAX_CHARGE:,} (R17); "
            "out of range gives 400 `invalid_amount`."
        )

    class OutputSerializer(serializers.Serializer):
        balance = serializers.IntegerField(help_text="The balance this charge left.")
        transaction = TransactionSerializer()

    @extend_schema(
        summary="Charge my wallet",
        description=(
            "Charges through the payment gateway. Send an `Idempotency-Key` header to make retries "
            "safe: a repeat with the same key charges once and answers 200 with the first result "
            "(and `Idempotent-Replayed: true`). While the first request is at the gateway a repeat "
            "gets 409 `charge_in_progress` and a `Retry-After` header; a declined key gets the same "
            "402 again; after a 503 retry with the same key (the body's `idempotency_key`)."
        ),
        tags=["wallet"],
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="1 to 255 printable ASCII characters, unique per charge you mean to make.",
            )
        ],
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            200: OpenApiResponse(OutputSerializer, description="A repeat of an earlier charge with the same key."),
            400: invalid("`invalid` (wrong type), `invalid_amount`, `invalid_idempotency_key`, `parse_error`."),
            401: NOT_AUTHENTICATED,
            402: error("`payment_declined`: the gateway refused the charge (the same on every repeat of the key)."),
            403: NOT_A_CUSTOMER,
            409: error(
                "`idempotency_key_reused`: the key was used for a different amount; `charge_in_progress`: "
                "a request with this key is at the gateway now, retry after `Retry-After` seconds.",
                ChargeConflictErrorSerializer,
            ),
            503: error(
                "`payment_gateway_unavailable`: the gateway failed or timed out; retry with the same "
                "`Idempotency-Key` (the body's `idempotency_key`), which charges at most once.",
                GatewayUnavailableErrorSerializer,
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = charge_wallet(
            customer=request.user.customer,
            amount=serializer.validated_data["amount"],
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER),
        )
        entry = result.transaction
        body = self.OutputSerializer({"balance": entry.balance_after, "transaction": entry}).data
        if result.created:
            return Response(body, status=status.HTTP_201_CREATED)
        return Response(body, status=status.HTTP_200_OK, headers={"Idempotent-Replayed": "true"})


class SubscriptionSerializer(serializers.Serializer):
    """The subscription in force now (R5)."""

    tier = serializers.ChoiceField(choices=Tier.choices, help_text="The tier in force now (R5).")
    ends_at = serializers.DateTimeField(allow_null=True, help_text="When the tier in force ends; null on Free.")
    auto_renew = serializers.BooleanField()

    class Meta:
        ref_name = "Subscription"


def subscription_of(customer, now=None) -> dict:
    """The customer's subscription as the API shows it: a lapsed tier reads as Free (R5)."""
    tier = customer.tier_at(now or timezone.now())
    return {
        "tier": tier,
        "ends_at": customer.subscription_ends_at if tier != Tier.FREE else None,
        "auto_renew": customer.auto_renew,
    }


class SubscriptionApi(APIView):
    """Show, buy and configure my subscription: GET shows, POST buys, PATCH sets auto-renew.

    SPEC puts three operations on one path; each handler below is one operation with its
    own input and output serializers.
    """

    permission_classes = [IsCustomer]

    class BuyInputSerializer(StrictInputSerializer):
        """The tier to buy and for how many months."""

        tier = serializers.ChoiceField(
            choices=Tier.choices, help_text="plus or premium; free gives 400 `invalid_subscription`."
        )
        months = serializers.IntegerField(
            help_text=f"1 to {MAX_MONTHS} (R18); out of range gives 400 `invalid_subscription`."
        )

    class BuyOutputSerializer(serializers.Serializer):
        tier = serializers.ChoiceField(choices=Tier.choices)
        ends_at = serializers.DateTimeField()
        charged = serializers.IntegerField(help_text="Toman debited for the subscription.")
        refunded = serializers.IntegerField(help_text="Toman refunded for unused Plus days (upgrade, R18).")
        balance = serializers.IntegerField(help_text="The wallet balance after the purchase.")

    class SettingsInputSerializer(StrictInputSerializer):
        """Subscription settings a customer may change."""

        auto_renew = serializers.BooleanField(help_text="Renew one month from the wallet at the end (R20).")

    @extend_schema(
        summary="Show my subscription",
        tags=["subscription"],
        responses={200: SubscriptionSerializer, 401: NOT_AUTHENTICATED, 403: NOT_A_CUSTOMER},
    )
    def get(self, request: Request) -> Response:
        return Response(SubscriptionSerializer(subscription_of(request.user.customer)).data)

    @extend_schema(
        summary="Buy, renew or upgrade my subscription",
        description="Paid from the wallet (R18). Same tier extends it; Plus → Premium starts now and "
        "refunds the unused Plus days.",
        tags=["subscription"],
        request=BuyInputSerializer,
        responses={
            200: BuyOutputSerializer,
            400: invalid(
                "`invalid` (missing field, wrong type), `invalid_subscription` (tier free, months), `parse_error`."
            ),
            401: NOT_AUTHENTICATED,
            402: error("`insufficient_funds` (R11).", InsufficientFundsErrorSerializer),
            403: NOT_A_CUSTOMER,
            409: error("`downgrade_not_allowed`: Premium → Plus while Premium is in force."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = self.BuyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = request.user.customer
        purchase = buy_subscription(customer=customer, **serializer.validated_data)
        body = {
            "tier": purchase.tier,
            "ends_at": purchase.ends_at,
            "charged": purchase.charged,
            "refunded": purchase.refunded,
            "balance": customer.balance,
        }
        return Response(self.BuyOutputSerializer(body).data)

    @extend_schema(
        summary="Turn auto-renew on or off",
        tags=["subscription"],
        request=SettingsInputSerializer,
        responses={
            200: SubscriptionSerializer,
            400: invalid("`invalid`: auto_renew missing or not a boolean; `parse_error`."),
            401: NOT_AUTHENTICATED,
            403: NOT_A_CUSTOMER,
        },
    )
    def patch(self, request: Request) -> Response:
        serializer = self.SettingsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = set_auto_renew(customer=request.user.customer, enabled=serializer.validated_data["auto_renew"])
        return Response(SubscriptionSerializer(subscription_of(customer)).data)
