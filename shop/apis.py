"""Shop API: the cart, checkout and orders (SPEC section 4; R35, R36).

Each view parses its input, calls one shop service and renders the result; domain errors
go to the one exception handler (``core.api.exception_handler``).

Decisions where SPEC is silent:
- ``POST cart/`` answers 201 with the whole cart; ``PATCH cart/items/{id}/`` 200 with the
  cart; ``DELETE cart/items/{id}/`` 204. Another customer's item is 404.
- ``book`` naming no book is an input error (400 ``errors.book``), as in ``reservations/``;
  a withdrawn book is 400 ``book_not_for_sale`` (R28). A quantity out of 1–10 is 400
  ``invalid_quantity``; more than 10 copies of one book in all 400 ``cart_quantity_exceeded``.
- ``POST orders/`` answers 201 with the order; a repeat with the same ``Idempotency-Key``
  answers 200 with the first order and ``Idempotent-Replayed: true``, as ``wallet/charge/``.
- Cart items and short books carry the book's ``title`` too; orders their ``customer`` and
  ``closed_at``.
- An order is found only among those the user may see (a customer's own, any for an
  admin): another's is 404.
"""

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdmin, IsCustomer, is_admin
from billing.apis import IDEMPOTENCY_HEADER, InsufficientFundsErrorSerializer
from catalog.filters import MAX_ID
from core.api import (
    NOT_AUTHENTICATED,
    PAGE_QUERY_PARAMETERS,
    StandardPagination,
    StrictInputSerializer,
    ValidationErrorSerializer,
    error,
    invalid,
    paginated,
)

from .checkout import checkout
from .models import MAX_QUANTITY, Order, OrderStatus
from .orders import cancel_order, fulfil_order
from .serializers import CartSerializer, OrderSerializer, OutOfStockErrorSerializer, orders_with_lines
from .services import add_to_cart, cart_of, change_quantity, remove_from_cart

NOT_A_CUSTOMER = error("`permission_denied`: only customers have a cart.")
ORDER_NOT_FOUND = error("`not_found`: no such order among those you may see.")
ITEM_NOT_FOUND = error("`not_found`: no such item in your cart.")
CUSTOMER_OR_ADMIN = IsCustomer | IsAdmin
QUANTITY_HELP = f"1 to {MAX_QUANTITY} (R35); out of range gives 400 `invalid_quantity`."


def visible_orders(user) -> QuerySet[Order]:
    """The orders `user` may see: a customer's own, everyone's for an admin (R36)."""
    orders = Order.objects.all() if is_admin(user) else Order.objects.filter(customer=user.customer)
    return orders_with_lines(orders.order_by("-created_at", "-id"))


def visible_order(user, pk: int) -> Order:
    order = visible_orders(user).filter(pk=pk).first()
    if order is None:
        raise Http404("No order matches the given query.")
    return order


def _order_body(order_id: int) -> dict:
    return OrderSerializer(orders_with_lines(Order.objects.filter(pk=order_id)).get()).data


class CartApi(APIView):
    """``cart/``: GET shows my cart, POST adds a book to it (R35)."""

    permission_classes = [IsCustomer]

    class InputSerializer(StrictInputSerializer):
        """The book to add and how many copies."""

        book = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The book's id.")
        quantity = serializers.IntegerField(help_text=QUANTITY_HELP)

    @extend_schema(
        summary="Show my cart",
        tags=["shop"],
        responses={200: CartSerializer, 401: NOT_AUTHENTICATED, 403: NOT_A_CUSTOMER},
    )
    def get(self, request: Request) -> Response:
        return Response(CartSerializer(cart_of(request.user.customer)).data)

    @extend_schema(
        summary="Add a book to my cart",
        description="Adds to the copies already there; stock is checked at checkout, not here (R35).",
        tags=["shop"],
        request=InputSerializer,
        responses={
            201: CartSerializer,
            400: invalid(
                "`invalid` (missing field, wrong type, unknown book), `invalid_quantity`, "
                "`cart_quantity_exceeded` (over 10 copies of one book in all), `book_not_for_sale` (R28), "
                "`parse_error`."
            ),
            401: NOT_AUTHENTICATED,
            403: NOT_A_CUSTOMER,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = request.user.customer
        add_to_cart(customer=customer, **serializer.validated_data)
        return Response(CartSerializer(cart_of(customer)).data, status=status.HTTP_201_CREATED)


class CartItemApi(APIView):
    """``cart/items/{id}/``: PATCH changes a quantity, DELETE removes the item (R35)."""

    permission_classes = [IsCustomer]

    class InputSerializer(StrictInputSerializer):
        """The new quantity."""

        quantity = serializers.IntegerField(help_text=QUANTITY_HELP + " To take the book out, DELETE the item.")

    @extend_schema(
        summary="Change a quantity in my cart",
        tags=["shop"],
        request=InputSerializer,
        responses={
            200: CartSerializer,
            400: invalid("`invalid` (missing field, wrong type), `invalid_quantity` (0 too), `parse_error`."),
            401: NOT_AUTHENTICATED,
            403: NOT_A_CUSTOMER,
            404: ITEM_NOT_FOUND,
        },
    )
    def patch(self, request: Request, pk: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = request.user.customer
        change_quantity(customer=customer, item=pk, quantity=serializer.validated_data["quantity"])
        return Response(CartSerializer(cart_of(customer)).data)

    @extend_schema(
        summary="Remove a book from my cart",
        tags=["shop"],
        request=None,
        responses={
            204: OpenApiResponse(description="Removed."),
            401: NOT_AUTHENTICATED,
            403: NOT_A_CUSTOMER,
            404: ITEM_NOT_FOUND,
        },
    )
    def delete(self, request: Request, pk: int) -> Response:
        remove_from_cart(customer=request.user.customer, item=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrderListCreateApi(APIView):
    """``orders/``: GET lists orders (my own, or all for an admin), POST checks the cart out (R35, R36)."""

    pagination_class = StandardPagination  # the schema documents GET's page

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=OrderStatus.choices, required=False, help_text="Only this status.")

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsCustomer()]
        return [CUSTOMER_OR_ADMIN()]

    @extend_schema(
        summary="List orders: my own, or everyone's for an admin",
        tags=["shop"],
        parameters=[FilterSerializer, *PAGE_QUERY_PARAMETERS],
        responses={
            200: OrderSerializer(many=True),
            400: error("`invalid`: unknown status.", ValidationErrorSerializer),
            401: NOT_AUTHENTICATED,
            403: error("`permission_denied`: authors have no orders."),
            404: error("`not_found`: the page does not exist."),
        },
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        orders = visible_orders(request.user)
        if wanted := filters.validated_data.get("status"):
            orders = orders.filter(status=wanted)
        return paginated(request, self, orders, OrderSerializer)

    @extend_schema(
        summary="Check out my cart",
        description=(
            "One transaction (R35): every book is checked for stock, the wallet pays the total, the "
            "stock goes down, an order is written with the unit prices paid and the cart is emptied. "
            "Send an `Idempotency-Key` header to make retries safe: a repeat with the same key makes "
            "no second order and answers 200 with the first (and `Idempotent-Replayed: true`)."
        ),
        tags=["shop"],
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="1 to 255 printable ASCII characters, unique per checkout you mean to make.",
            )
        ],
        request=None,
        responses={
            201: OrderSerializer,
            200: OpenApiResponse(OrderSerializer, description="A repeat of an earlier checkout with the same key."),
            400: error("`cart_empty`, `invalid_idempotency_key`."),
            401: NOT_AUTHENTICATED,
            402: error("`insufficient_funds` (R11): nothing was bought.", InsufficientFundsErrorSerializer),
            403: NOT_A_CUSTOMER,
            409: error(
                "`out_of_stock`: `books` lists every book short of copies, nothing was bought; "
                "`cart_changed`: the cart kept changing during checkout, try again.",
                OutOfStockErrorSerializer,
            ),
        },
    )
    def post(self, request: Request) -> Response:
        result = checkout(customer=request.user.customer, idempotency_key=request.headers.get(IDEMPOTENCY_HEADER))
        body = _order_body(result.order.pk)
        if result.created:
            return Response(body, status=status.HTTP_201_CREATED)
        return Response(body, status=status.HTTP_200_OK, headers={"Idempotent-Replayed": "true"})


class OrderDetailApi(APIView):
    """``orders/{id}/``: one order, my own or any for an admin (R36)."""

    permission_classes = [CUSTOMER_OR_ADMIN]

    @extend_schema(
        summary="Show an order",
        tags=["shop"],
        responses={
            200: OrderSerializer,
            401: NOT_AUTHENTICATED,
            403: error("`permission_denied`: authors have no orders."),
            404: ORDER_NOT_FOUND,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(OrderSerializer(visible_order(request.user, pk)).data)


ADMIN_ONLY = error("`permission_denied`: only admins cancel and fulfil orders.")
# What cancelling and fulfilling answer alike (R36).
CLOSING_RESPONSES = {
    200: OrderSerializer,
    401: NOT_AUTHENTICATED,
    403: ADMIN_ONLY,
    404: ORDER_NOT_FOUND,
    409: error("`order_not_placed`: it was already fulfilled or cancelled."),
}


class OrderCancelApi(APIView):
    """An admin cancels a placed order: refund to the wallet, stock back, customer told (R36)."""

    permission_classes = [IsAdmin]

    @extend_schema(
        summary="Cancel and refund an order (admin)",
        tags=["shop"],
        request=None,
        responses=CLOSING_RESPONSES,
    )
    def post(self, request: Request, pk: int) -> Response:
        order = cancel_order(order=visible_order(request.user, pk))
        return Response(_order_body(order.pk))


class OrderFulfilApi(APIView):
    """An admin marks a placed order fulfilled (R36)."""

    permission_classes = [IsAdmin]

    @extend_schema(
        summary="Mark an order fulfilled (admin)",
        tags=["shop"],
        request=None,
        responses=CLOSING_RESPONSES,
    )
    def post(self, request: Request, pk: int) -> Response:
        order = fulfil_order(order=visible_order(request.user, pk))
        return Response(_order_body(order.pk))
