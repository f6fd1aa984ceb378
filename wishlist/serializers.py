"""How a wishlist entry looks in the API (R38)."""

from rest_framework import serializers


class WishedBookBookSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    available_units = serializers.IntegerField(help_text="Units free to borrow now (R9).")
    stock = serializers.IntegerField(help_text="Copies for sale (R34).")

    class Meta:
        ref_name = "WishedBookBook"


class WishedBookOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    book = WishedBookBookSerializer()
    added_at = serializers.DateTimeField()

    class Meta:
        ref_name = "WishedBook"
