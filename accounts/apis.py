"""Sign-up, the two-step login and tokens over REST (R21, R22, R24). One class per operation.

Sign-up and login: `SignupApi`, `LoginApi`, `VerifyOtpApi`; tokens: `RefreshApi`,
`LogoutApi`, and an admin's `RevokeTokensApi`. A user's own account is in
`accounts.user_apis`, the customer and author profiles in `accounts.profile_apis`.
"""

from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorSerializer, StrictInputSerializer

from . import services
from .api_common import SIGNUP_JUST_TAKEN, UserOutput, error_responses
from .models import Role, User
from .permissions import IsAdmin
from .throttles import CODE_THROTTLES, LOGIN_THROTTLES, SIGNUP_THROTTLES

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
            raise exceptions.ValidationError({"non_field_errors": [SIGNUP_JUST_TAKEN]}) from None
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
        code = serializers.RegexField(r"^\d{6}$", error_messages={"invalid": gettext_lazy("The code is 6 digits.")})

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
