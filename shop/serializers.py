"""How the shop's endpoints write a cart and an order (SPEC section 4, Representations)."""

from rest_framework import serializers

from core.api import ErrorSerializer

from .models import Order, OrderStatus


class CartItemSerializer(serializers.Serializer):
    """One book in the cart at its current price (R35)."""

    id = serializers.IntegerField(source="item.pk")
    book = serializers.IntegerField(source="item.book_id")
    title = serializers.CharField(source="item.book.title")
    quantity = serializers.IntegerField(source="item.quantity")
    unit_price = serializers.IntegerField(help_text="The book's price now, in toman.")
    line_total = serializers.IntegerField(help_text="quantity × unit_price.")

    class Meta:
        ref_name = "CartItem"


class CartSerializer(serializers.Serializer):
    """``{items, total}``: the cart at current prices (R35)."""

    items = CartItemSerializer(many=True, source="lines")
    total = serializers.IntegerField(help_text="Toman the cart costs now.")

    class Meta:
        ref_name = "Cart"


class OrderLineSerializer(serializers.Serializer):
    book = serializers.IntegerField(source="book_id")
    title = serializers.CharField(source="book.title")
    quantity = serializers.IntegerField()
    unit_price = serializers.IntegerField(help_text="Toman paid per copy (a snapshot at checkout).")

    class Meta:
        ref_name = "OrderLine"


class OrderSerializer(serializers.Serializer):
    """An order: ``id, status, total, lines, created_at`` (R35, R36)."""

    id = serializers.IntegerField()
    customer = serializers.IntegerField(source="customer_id")
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    total = serializers.IntegerField(help_text="Toman paid.")
    lines = OrderLineSerializer(many=True)
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True, help_text="When it was fulfilled or cancelled.")

    class Meta:
        ref_name = "Order"


def orders_with_lines(orders):
    """The order rows with their lines and books, as the serializer reads them."""
    return orders.prefetch_related("lines__book")


class ShortBookSerializer(serializers.Serializer):
    book = serializers.IntegerField()
    title = serializers.CharField()
    requested = serializers.IntegerField()
    available = serializers.IntegerField()

    class Meta:
        ref_name = "ShortBook"


class OutOfStockErrorSerializer(ErrorSerializer):
    """409 ``out_of_stock`` (R35): every book of the cart short of stock."""

    books = ShortBookSerializer(many=True)

    class Meta:
        ref_name = "OutOfStockError"


__all__ = ["CartSerializer", "Order", "OrderSerializer", "OutOfStockErrorSerializer", "orders_with_lines"]
