"""A user's notifications over REST (R32, R39, SPEC section 4). One class per operation.

Decisions where SPEC is silent:
- Listing does not mark anything read: a GET changes nothing, so a program may poll it.
  The notifications page marks what it shows read, as a person reading it would expect.
- ``POST notifications/read/`` answers 200 with how many it marked and how many stay
  unread (a client updating a badge needs the second number); it marks all the user's
  unread notifications, or only those of ``ids``. Ids of other users' notifications, or
  of ones already read, are passed over silently: nothing of theirs changes and nothing
  about them is told.
"""

from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import NOT_AUTHENTICATED, PAGE_QUERY_PARAMETERS, StandardPagination, StrictInputSerializer, error

from . import services
from .api_common import error_responses
from .models import Notification

MAX_IDS = 1000


class NotificationOutput(serializers.ModelSerializer):
    """A notification (SPEC representations): ``read`` once it was read on the page or marked read."""

    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "created_at", "read"]

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationPagination(StandardPagination):
    """The standard page, plus ``unread``: how many of all the user's notifications are unread."""

    unread = 0

    def get_paginated_response(self, data) -> Response:
        return Response({**super().get_paginated_response(data).data, "unread": self.unread})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["unread"] = {
            "type": "integer",
            "example": 2,
            "description": "How many of your notifications are unread, on every page.",
        }
        paginated["required"] = [*paginated.get("required", []), "unread"]
        return paginated


class NotificationListApi(APIView):
    """Your own notifications, newest first, with the unread count (R39).

    Implements R32.
    """

    permission_classes = [IsAuthenticated]
    pagination_class = NotificationPagination

    @extend_schema(
        summary="List my notifications, newest first, with the unread count",
        tags=["notifications"],
        parameters=PAGE_QUERY_PARAMETERS,
        responses={
            200: NotificationOutput(many=True),
            401: NOT_AUTHENTICATED,
            404: error("`not_found`: the page does not exist."),
        },
    )
    def get(self, request: Request) -> Response:
        mine = Notification.objects.filter(user=request.user)
        # The total and the unread count in one query; the page itself is the second.
        counts = mine.aggregate(count=Count("pk"), unread=Count("pk", filter=Q(read_at__isnull=True)))
        paginator = self.pagination_class()
        paginator.unread = counts["unread"]
        newest_first = mine.order_by("-created_at", "-id")
        page = paginator.paginate_queryset(newest_first, request, view=self, count=counts["count"])
        return paginator.get_paginated_response(NotificationOutput(page, many=True).data)


class NotificationReadApi(APIView):
    """Mark your notifications read: all of them, or those of ``ids`` (R39).

    Implements R32.
    """

    permission_classes = [IsAuthenticated]

    class InputSerializer(StrictInputSerializer):
        ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            max_length=MAX_IDS,
            required=False,
            help_text="Only these of your notifications; leave it out to mark them all.",
        )

    class OutputSerializer(serializers.Serializer):
        marked = serializers.IntegerField(help_text="How many were unread and are read now.")
        unread = serializers.IntegerField(help_text="How many of your notifications are still unread.")

    @extend_schema(
        summary="Mark my notifications read",
        tags=["notifications"],
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.mark_notifications_read(user=request.user, ids=data.validated_data.get("ids"))
        unread = Notification.objects.filter(user=request.user, read_at__isnull=True).count()
        return Response(self.OutputSerializer({"marked": marked, "unread": unread}).data)
