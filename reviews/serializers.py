"""How the reviews API reads and writes a review (SPEC section 4, Representations)."""

from rest_framework import serializers

from core.api import StrictInputSerializer

from .models import MAX_RATING, MAX_TEXT, MIN_RATING, Review


class ReviewOutputSerializer(serializers.Serializer):
    """A review: ``id, book, customer, rating, text, created_at, updated_at`` and the writer's name."""

    id = serializers.IntegerField()
    book = serializers.IntegerField(source="book_id")
    customer = serializers.IntegerField(source="customer_id", help_text="The writer's customer id.")
    reviewer = serializers.SerializerMethodField(help_text="The writer's name as the site shows it.")
    rating = serializers.IntegerField(help_text="1 to 5.")
    text = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Review"

    def get_reviewer(self, review: Review) -> str:
        user = review.customer.user
        return user.get_full_name() or user.username


class ReviewInputSerializer(StrictInputSerializer):
    """A new review: a rating from 1 to 5 and an optional text of up to 5,000 characters (R37)."""

    rating = serializers.IntegerField(min_value=MIN_RATING, max_value=MAX_RATING, help_text="1 to 5.")
    text = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_TEXT, trim_whitespace=True, default=""
    )


class ReviewUpdateSerializer(StrictInputSerializer):
    """A change of one's review: the rating, the text, or both."""

    rating = serializers.IntegerField(min_value=MIN_RATING, max_value=MAX_RATING, required=False)
    text = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT, trim_whitespace=True)
