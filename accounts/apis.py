"""Auth, users, customers and authors over REST (R21–R24). One class per operation.

A twin request (a double submit) can take the same username, email or phone between
this request's uniqueness check and its write; that answers 400 ``invalid`` with
``errors.non_field_errors``, as the pages do, never a 500 (R26).
"""

from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorSerializer, RateLimitedErrorSerializer, StrictInputSerializer, ValidationErrorSerializer

from . import services
from .models import Author, City, Customer, Role, User
from .permissions import IsAdmin, IsSelf, IsSelfOrAdminReading, is_admin
from .throttles import CODE_THROTTLES, LOGIN_THROTTLES, SIGNUP_THROTTLES

ERROR_BODIES = {400: ValidationErrorSerializer, 429: RateLimitedErrorSerializer}
JUST_TAKEN = "This {} was just taken. Try another."
CONTACT_CHANGE_ONLY = (
    "The phone and e-mail change only with your password and a code: POST users/{id}/contact-change/, "
    "then users/{id}/contact-change/confirm/."
)


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

    class Meta:
        model = User
        fields = ["id", "username", "email", "phone", "role", "first_name", "last_name"]

    def to_representation(self, user):
        data = super().to_representation(user)
        # Only the role's own profile is read, so an admin costs no profile query.
        if user.role == Role.CUSTOMER and hasattr(user, "customer"):
            data["customer"] = CustomerOutput(user.customer).data
        elif user.role == Role.AUTHOR and hasattr(user, "author"):
            data["author"] = OwnAuthorOutput(user.author).data
        return data


# --- Auth -------------------------------------------------------------------------


class SignupApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = SIGNUP_THROTTLES

    class InputSerializer(StrictInputSerializer):
        username = serializers.CharField(max_length=150)
        email = serializers.EmailField(max_length=254)
        phone = serializers.CharField(max_length=16)
        password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
        role = serializers.ChoiceField(choices=[Role.CUSTOMER, Role.AUTHOR], default=Role.CUSTOMER)

    @extend_schema(
        summary="Sign up as a customer or an author",
        request=InputSerializer,
        responses={201: UserOutput, **error_responses(400, 429)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                user = services.register_user(**data.validated_data)
        except IntegrityError:  # a twin signup won the race for the same name, email or phone
            raise exceptions.ValidationError(
                {"non_field_errors": [JUST_TAKEN.format("username, email or phone number")]}
            ) from None
        return Response(UserOutput(user).data, status=status.HTTP_201_CREATED)


class LoginApi(APIView):
    """Step one of R21: username and password; a code goes out by SMS."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = LOGIN_THROTTLES

    class InputSerializer(StrictInputSerializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    class OutputSerializer(serializers.Serializer):
        challenge = serializers.CharField()
        expires_in = serializers.IntegerField(help_text="Seconds the code lives.")

    @extend_schema(
        summary="Log in, step 1: password; a 6-digit code is sent by SMS",
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401, 429)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        challenge = services.start_login(**data.validated_data)
        return Response(self.OutputSerializer(challenge).data)


class VerifyOtpApi(APIView):
    """Step two of R21: the code from the SMS buys a JWT pair."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = CODE_THROTTLES

    class InputSerializer(StrictInputSerializer):
        challenge = serializers.CharField(max_length=64)
        code = serializers.RegexField(r"^\d{6}$", error_messages={"invalid": "The code is 6 digits."})

    class OutputSerializer(serializers.Serializer):
        access = serializers.CharField()
        refresh = serializers.CharField()

    @extend_schema(
        summary="Log in, step 2: the code; answers with access and refresh tokens",
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401, 429)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.verify_login(**data.validated_data)
        return Response(services.issue_tokens(user))


class RefreshApi(APIView):
    """Rotate the refresh token: one new pair per token, ever (R22, issue 14)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    class InputSerializer(StrictInputSerializer):
        refresh = serializers.CharField(max_length=2000)

    @extend_schema(
        summary="Refresh: a new access and refresh token; the one sent is spent",
        request=InputSerializer,
        responses={
            200: VerifyOtpApi.OutputSerializer,
            **error_responses(400),
            401: OpenApiResponse(
                ErrorSerializer,
                description=(
                    "`token_not_valid`: the refresh token is malformed, expired, logged out or revoked (R22, R24). "
                    "`token_reused`: it was already rotated, so every token of its login is now revoked."
                ),
            ),
        },
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(services.refresh_tokens(refresh=data.validated_data["refresh"]))


class LogoutApi(APIView):
    class InputSerializer(StrictInputSerializer):
        refresh = serializers.CharField(max_length=2000)

    @extend_schema(
        summary="Log out: the refresh token and this login's access tokens stop working",
        request=InputSerializer,
        responses={204: None, **error_responses(400, 401)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.log_out(user=request.user, refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Users ------------------------------------------------------------------------


class MeApi(APIView):
    @extend_schema(summary="The logged-in user with its profile", responses={200: UserOutput, **error_responses(401)})
    def get(self, request):
        return Response(UserOutput(request.user).data)


class UserListApi(ListAPIView):
    permission_classes = [IsAdmin]
    serializer_class = UserOutput
    queryset = User.objects.select_related("customer", "author__city").order_by("id")

    @extend_schema(summary="All users (admins)", responses={200: UserOutput(many=True), **error_responses(401, 403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class UserDetailApi(APIView):
    permission_classes = [IsAuthenticated, IsSelfOrAdminReading]

    class InputSerializer(StrictInputSerializer):
        """Names only: the phone and e-mail change with the password and a code (issue 14, item 4)."""

        first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
        last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)

        def to_internal_value(self, data):
            if isinstance(data, dict) and (contact := sorted({"phone", "email"} & set(data))):
                raise exceptions.ValidationError({name: [CONTACT_CHANGE_ONLY] for name in contact})
            return super().to_internal_value(data)

    def get_object(self, pk: int) -> User:
        user = get_object_or_404(User.objects.select_related("customer", "author__city"), pk=pk)
        self.check_object_permissions(self.request, user)
        return user

    @extend_schema(summary="A user (self, or an admin)", responses={200: UserOutput, **error_responses(401, 403, 404)})
    def get(self, request, pk: int):
        return Response(UserOutput(self.get_object(pk)).data)

    @extend_schema(
        summary="Change your own names (never the role, R23; the phone and e-mail: contact-change/)",
        description="`phone` and `email` are refused with 400: they change through "
        "`POST users/{id}/contact-change/` (your password) and then `…/confirm/` (a code).",
        request=InputSerializer,
        responses={200: UserOutput, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, pk: int):
        user = self.get_object(pk)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.update_user(user=user, **data.validated_data)
        return Response(UserOutput(user).data)

    @extend_schema(
        summary="Close your own account (deactivates it; the history stays)",
        responses={204: None, **error_responses(401, 403, 404, 409)},
    )
    def delete(self, request, pk: int):
        user = self.get_object(pk)
        if user != request.user:
            self.permission_denied(request, message="You may close only your own account.")
        services.close_account(user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactChangeStartApi(APIView):
    """Step one of a new phone or e-mail: the current password; a code is texted (issue 14, item 4)."""

    permission_classes = [IsAuthenticated, IsSelf]

    class InputSerializer(StrictInputSerializer):
        password = serializers.CharField(max_length=128, trim_whitespace=False, help_text="Your current password.")
        phone = serializers.CharField(max_length=16, required=False, help_text="The new phone, E.164.")
        email = serializers.EmailField(max_length=254, required=False, help_text="The new e-mail address.")

        def validate(self, data):
            if ("phone" in data) == ("email" in data):
                raise exceptions.ValidationError(
                    {"non_field_errors": ["Give either a new phone number or a new e-mail address."]}
                )
            return data

    class OutputSerializer(serializers.Serializer):
        change = serializers.UUIDField(source="change.pk", help_text="Send it back with the code to confirm.")
        field = serializers.ChoiceField(source="change.field", choices=["phone", "email"])
        new_value = serializers.CharField(source="change.new_value", help_text="As it will be stored.")
        sent_to = serializers.CharField(help_text="The phone the code went to, masked: the new one for a phone.")
        expires_in = serializers.IntegerField(help_text="Seconds the code lives.")

    @extend_schema(
        summary="Change your phone or e-mail, step 1: your password; a code is sent by SMS",
        description="The code goes to the new phone for a phone change, to your current phone for an "
        "e-mail change. Nothing changes until `…/confirm/`. 400 `invalid` for a wrong password (5 wrong "
        "in 15 minutes: 429) or a new value that is malformed or taken; 429 also past the code limits (R21).",
        request=InputSerializer,
        responses={202: OutputSerializer, **error_responses(400, 401, 403, 404, 429)},
    )
    def post(self, request, pk: int):
        user = get_object_or_404(User, pk=pk)
        self.check_object_permissions(request, user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        challenge = services.start_contact_change(user=user, **data.validated_data)
        return Response(self.OutputSerializer(challenge).data, status=status.HTTP_202_ACCEPTED)


class ContactChangeConfirmApi(APIView):
    """Step two: the code applies the change; the old phone is told by SMS (issue 14, item 4)."""

    permission_classes = [IsAuthenticated, IsSelf]

    class InputSerializer(StrictInputSerializer):
        change = serializers.UUIDField(help_text="`change` from step 1.")
        code = serializers.RegexField(r"^\d{6}$", error_messages={"invalid": "The code is 6 digits."})

    @extend_schema(
        summary="Change your phone or e-mail, step 2: the code; answers with the changed user",
        description="A new phone ends every token and session issued before it, as a new password does "
        "(R24): log in again, the code now goes to the new phone. 400 `invalid_code` with `attempts_left`, "
        "or `invalid` if the e-mail was taken meanwhile; 404 for a change that is not yours; 409 "
        "`contact_change_expired` once it expired, was used, or had 5 wrong codes.",
        request=InputSerializer,
        responses={200: UserOutput, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        user = get_object_or_404(User.objects.select_related("customer", "author__city"), pk=pk)
        self.check_object_permissions(request, user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:  # no atomic() around it: a wrong code's count must be committed with the refusal
            services.confirm_contact_change(
                user=user, change_id=data.validated_data["change"], code=data.validated_data["code"]
            )
        except IntegrityError:  # the same e-mail or phone saved by someone else a moment ago
            raise exceptions.ValidationError(
                {"non_field_errors": [JUST_TAKEN.format("e-mail address or phone number")]}
            ) from None
        return Response(UserOutput(user).data)


class PasswordChangeApi(APIView):
    class InputSerializer(StrictInputSerializer):
        old_password = serializers.CharField(max_length=128, trim_whitespace=False)
        new_password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(
        summary="Change your password; every token and session ends, so log in again",
        request=InputSerializer,
        responses={204: None, **error_responses(400, 401, 429)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.change_password(user=request.user, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Customers --------------------------------------------------------------------


class CustomerListApi(ListAPIView):
    permission_classes = [IsAdmin]
    serializer_class = CustomerOutput
    queryset = Customer.objects.order_by("id")

    @extend_schema(summary="All customers (admins)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CustomerDetailApi(APIView):
    """A customer profile: tier, end and balance are read-only (R23)."""

    permission_classes = [IsAuthenticated, IsSelfOrAdminReading]

    class InputSerializer(StrictInputSerializer):
        auto_renew = serializers.BooleanField(required=False)

    def get_object(self, pk: int) -> Customer:
        customer = get_object_or_404(Customer.objects.select_related("user"), pk=pk)
        self.check_object_permissions(self.request, customer)
        return customer

    @extend_schema(summary="A customer profile", responses={200: CustomerOutput, **error_responses(401, 403, 404)})
    def get(self, request, pk: int):
        return Response(CustomerOutput(self.get_object(pk)).data)

    @extend_schema(
        summary="Change your own customer profile (auto-renew only)",
        request=InputSerializer,
        responses={200: CustomerOutput, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, pk: int):
        customer = self.get_object(pk)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if "auto_renew" in data.validated_data:
            services.set_auto_renew(customer=customer, enabled=data.validated_data["auto_renew"])
        return Response(CustomerOutput(customer).data)


# --- Authors ----------------------------------------------------------------------


class AuthorListApi(ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = AuthorOutput
    queryset = Author.objects.select_related("user", "city").order_by("user__last_name", "user__username")

    @extend_schema(summary="Authors")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AuthorDetailApi(APIView):
    permission_classes = [AllowAny]

    class InputSerializer(StrictInputSerializer):
        city = serializers.PrimaryKeyRelatedField(queryset=City.objects.all(), allow_null=True, required=False)
        goodreads_link = serializers.URLField(max_length=200, allow_blank=True, required=False)
        bank_account_number = serializers.CharField(max_length=34, allow_blank=True, required=False)
        bio = serializers.CharField(max_length=5000, allow_blank=True, required=False)

    def get_object(self, pk: int) -> Author:
        return get_object_or_404(Author.objects.select_related("user", "city"), pk=pk)

    def output(self, author: Author):
        own = author.user == self.request.user or is_admin(self.request.user)
        return (OwnAuthorOutput if own else AuthorOutput)(author).data

    @extend_schema(summary="An author", responses={200: AuthorOutput, **error_responses(404)})
    def get(self, request, pk: int):
        return Response(self.output(self.get_object(pk)))

    @extend_schema(
        summary="Change your own author profile",
        request=InputSerializer,
        responses={200: OwnAuthorOutput, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, pk: int):
        if not request.user.is_authenticated:
            self.permission_denied(request)
        author = self.get_object(pk)
        if not IsSelf().has_object_permission(request, self, author):
            self.permission_denied(request, message="You may change only your own profile.")
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.update_author(author=author, **data.validated_data)
        return Response(self.output(author))


class RevokeTokensApi(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(
        summary="Revoke every token of a non-admin user and end their sessions (R24)",
        request=None,
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def post(self, request, pk: int):
        services.revoke_tokens(user=get_object_or_404(User, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
