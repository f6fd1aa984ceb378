"""What the accounts APIs share: their error responses and the representations of users and profiles.

A twin request (a double submit) can take the same username, email or phone between
this request's uniqueness check and its write; that answers 400 ``invalid`` with
``errors.non_field_errors``, as the pages do, never a 500 (R26).
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from core.api import ErrorSerializer, RateLimitedErrorSerializer, ValidationErrorSerializer

from .models import Author, Customer, Role, User

ERROR_BODIES = {400: ValidationErrorSerializer, 429: RateLimitedErrorSerializer}
SIGNUP_JUST_TAKEN = gettext_lazy("This username, email or phone number was just taken. Try another.")
CONTACT_JUST_TAKEN = gettext_lazy("This e-mail address or phone number was just taken. Try another.")


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Document error responses with the body of R26: ``{"detail", "code", ...}``."""
    return {code: OpenApiResponse(ERROR_BODIES.get(code, ErrorSerializer)) for code in statuses}


class CustomerOutput(serializers.ModelSerializer):
    tier = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = ["id", "tier", "subscription_ends_at", "auto_renew", "balance"]

    def get_tier(self, customer: Customer) -> str:
        """The tier in force now (R5), not the last one bought."""
        return customer.tier_at(timezone.now())


class AuthorOutput(serializers.ModelSerializer):
    """An author as anyone sees them: no bank account."""

    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="display_name")
    city = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True, help_text="Null when not given.")
    city_name = serializers.CharField(source="city.name", default=None, allow_null=True)

    class Meta:
        model = Author
        fields = ["id", "username", "name", "city", "city_name", "goodreads_link", "bio"]


class OwnAuthorOutput(AuthorOutput):
    """An author as they see themselves."""

    class Meta(AuthorOutput.Meta):
        fields = [*AuthorOutput.Meta.fields, "bank_account_number"]


class UserOutput(serializers.ModelSerializer):
    """A user with the profile of its role: `customer` or `author` (SPEC representations)."""

    notify_by = serializers.ListField(
        child=serializers.ChoiceField(choices=["sms", "email"]),
        read_only=True,
        help_text="The channels notifications go by (R39).",
    )

    class Meta:
        model = User
        fields = ["id", "username", "email", "phone", "role", "first_name", "last_name", "language", "notify_by"]

    def to_representation(self, user):
        data = super().to_representation(user)
        # Only the role's own profile is read, so an admin costs no profile query.
        if user.role == Role.CUSTOMER and hasattr(user, "customer"):
            data["customer"] = CustomerOutput(user.customer).data
        elif user.role == Role.AUTHOR and hasattr(user, "author"):
            data["author"] = OwnAuthorOutput(user.author).data
        return data
