"""A user's own account over REST (R23, R24): who they are, their names, a new phone or e-mail, the password.

One class per operation; an admin lists and reads users too.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import StrictInputSerializer

from . import channels, contact_change, services
from .api_common import CONTACT_JUST_TAKEN, UserOutput, error_responses
from .models import User
from .permissions import IsAdmin, IsSelf, IsSelfOrAdminReading

CONTACT_CHANGE_ONLY = gettext_lazy(
    "The phone and e-mail change only with your password and a code: POST users/{id}/contact-change/, "
    "then users/{id}/contact-change/confirm/."
)


# --- Users ------------------------------------------------------------------------


class ChannelsField(serializers.ListField):
    """A list of notification channels (R39), its errors on the field itself: "Unknown channel: fax. …"."""

    child = serializers.ChoiceField(choices=channels.Channel.choices)  # the schema's enum

    def run_child_validation(self, data: list) -> list[str]:
        try:
            return channels.clean_channels(data)
        except ValidationError as error:
            raise exceptions.ValidationError(error.messages) from None


class UserInput(StrictInputSerializer):
    """Names and the language only: the phone and e-mail change with the password and a code (issue 14, item 4)."""

    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    # R40: "" goes back to following the browser's Accept-Language.
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False, allow_blank=True)
    notify_by = ChannelsField(
        allow_empty=False,
        required=False,
        help_text='The channels notifications go by (R39): a non-empty list from ["sms", "email"], each once.',
    )

    def to_internal_value(self, data):
        if isinstance(data, dict) and (contact := sorted({"phone", "email"} & set(data))):
            raise exceptions.ValidationError({name: [CONTACT_CHANGE_ONLY] for name in contact})
        return super().to_internal_value(data)


def update_own_user(user: User, changes: dict) -> None:
    """Apply a valid UserInput: names and language (services.update_user), channels (R39), in one transaction."""
    changes = dict(changes)
    notify_by = changes.pop("notify_by", None)
    with transaction.atomic():
        services.update_user(user=user, **changes)
        if notify_by is not None:
            channels.set_notify_by(user=user, channels=notify_by)


class MeApi(APIView):
    @extend_schema(summary="The logged-in user with its profile", responses={200: UserOutput, **error_responses(401)})
    def get(self, request):
        return Response(UserOutput(request.user).data)

    @extend_schema(
        summary="Change your own names, language or notification channels (R23, R40, R39)",
        request=UserInput,
        responses={200: UserOutput, **error_responses(400, 401)},
    )
    def patch(self, request):
        data = UserInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        update_own_user(request.user, data.validated_data)
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

    InputSerializer = UserInput

    def get_object(self, pk: int) -> User:
        user = get_object_or_404(User.objects.select_related("customer", "author__city"), pk=pk)
        self.check_object_permissions(self.request, user)
        return user

    @extend_schema(summary="A user (self, or an admin)", responses={200: UserOutput, **error_responses(401, 403, 404)})
    def get(self, request, pk: int):
        return Response(UserOutput(self.get_object(pk)).data)

    @extend_schema(
        summary="Change your own names, language or channels (never the role, R23; phone and e-mail: contact-change/)",
        description="`phone` and `email` are refused with 400: they change through "
        "`POST users/{id}/contact-change/` (your password) and then `…/confirm/` (a code).",
        request=InputSerializer,
        responses={200: UserOutput, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, pk: int):
        user = self.get_object(pk)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        update_own_user(user, data.validated_data)
        return Response(UserOutput(user).data)

    @extend_schema(
        summary="Close your own account (deactivates it; the history stays)",
        responses={204: None, **error_responses(401, 403, 404, 409)},
    )
    def delete(self, request, pk: int):
        user = self.get_object(pk)
        if user != request.user:
            self.permission_denied(request, message=_("You may close only your own account."))
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
                    {"non_field_errors": [_("Give either a new phone number or a new e-mail address.")]}
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
        challenge = contact_change.start_contact_change(user=user, **data.validated_data)
        return Response(self.OutputSerializer(challenge).data, status=status.HTTP_202_ACCEPTED)


class ContactChangeConfirmApi(APIView):
    """Step two: the code applies the change; the old phone is told by SMS (issue 14, item 4)."""

    permission_classes = [IsAuthenticated, IsSelf]

    class InputSerializer(StrictInputSerializer):
        change = serializers.UUIDField(help_text="`change` from step 1.")
        code = serializers.RegexField(r"^\d{6}$", error_messages={"invalid": gettext_lazy("The code is 6 digits.")})

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
            contact_change.confirm_contact_change(
                user=user, change_id=data.validated_data["change"], code=data.validated_data["code"]
            )
        except IntegrityError:  # the same e-mail or phone saved by someone else a moment ago
            raise exceptions.ValidationError({"non_field_errors": [CONTACT_JUST_TAKEN]}) from None
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
