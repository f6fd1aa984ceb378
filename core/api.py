"""What every API view shares: the one exception handler (R26), pagination, OpenAPI error responses."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView, set_rollback

from .exceptions import DomainError

# DRF's own codes are kept (not_authenticated, permission_denied, not_found, parse_error,
# method_not_allowed, unsupported_media_type, token_not_valid...), except where the
# SPEC names another (R26).
RENAMED_CODES = {"throttled": "too_many_requests"}


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    return RENAMED_CODES.get(code, code)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Turn every expected error into ``{"detail", "code", ...}`` with its own status (R26). Implements R26."""
    if isinstance(exc, DomainError):
        set_rollback()
        headers = {"Retry-After": str(exc.extra["retry_after"])} if "retry_after" in exc.extra else None
        return Response(exc.as_dict(), status=exc.status, headers=headers)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: let Django answer 500 and log it

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        body = {"detail": gettext("The input is not valid."), "code": "invalid", "errors": exc.detail}
        if isinstance(exc.detail, dict):
            body["errors"] = exc.detail
        else:
            body["errors"] = {"non_field_errors": exc.detail}
    elif isinstance(exc.detail, dict) and "detail" in exc.detail:
        # simplejwt puts its own {"detail", "code", "messages"} inside the exception.
        body = {"detail": str(exc.detail["detail"]), "code": str(exc.detail.get("code", _code_of(exc)))}
    else:
        body = {"detail": str(exc.detail), "code": _code_of(exc)}
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            body["retry_after"] = int(exc.wait)
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


# Error bodies (R26), for the OpenAPI schema: every error is at least {"detail", "code"}.
class ErrorSerializer(serializers.Serializer):
    """Every error body: a human ``detail`` and a stable snake_case ``code``."""

    detail = serializers.CharField()
    code = serializers.CharField()

    class Meta:
        ref_name = "ErrorBody"


class ValidationErrorSerializer(ErrorSerializer):
    """400 from input validation: ``code`` is ``invalid`` and ``errors`` maps fields to messages."""

    errors = serializers.DictField(child=serializers.JSONField(), required=False)

    class Meta:
        ref_name = "ValidationError"


class RateLimitedErrorSerializer(ErrorSerializer):
    """429 ``too_many_requests``: ``retry_after`` (also the ``Retry-After`` header) in seconds."""

    retry_after = serializers.IntegerField(required=False, help_text="Seconds to wait before trying again.")

    class Meta:
        ref_name = "RateLimitedError"


class StrictInputSerializer(serializers.Serializer):
    """An input serializer that refuses fields it does not know or may not change (R23, R26).

    Silently dropping ``{"role": "admin"}`` would tell the client it worked; a 400 that
    names the field tells the truth.

    Implements R23 and R26.
    """

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise exceptions.ValidationError(
                    {name: [gettext("This field cannot be set here.")] for name in unknown}
                )
        return super().to_internal_value(data)


class StandardPagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` up to 100 (SPEC section 4).

    ``paginate_queryset(..., count=n)`` takes a count the caller already knows (a cached
    one, see ``catalog.counts.book_count``), so the page costs no ``COUNT(*)`` scan.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    max_page_number = 10**7
    known_count: int | None = None

    def django_paginator_class(self, object_list, per_page) -> DjangoPaginator:
        paginator = DjangoPaginator(object_list, per_page)
        if self.known_count is not None:
            paginator.count = self.known_count  # replaces the cached_property's query
        return paginator

    def paginate_queryset(self, queryset, request, view=None, count: int | None = None):
        self.known_count = count
        return super().paginate_queryset(queryset, request, view=view)

    # For a list that reads its own page (catalog.selectors.book_page): the page number
    # and size from the request, then the same body and links from what the page found.

    def requested_page(self, request) -> tuple[int, int]:
        """The page number and size asked for; 404 ``not_found`` for a page number that is none.

        ``page=last`` is not offered here: such a list knows whether a next page exists,
        not always its exact length.
        """
        self.request = request
        size = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param) or "1"
        try:
            number = int(raw)  # as Django's Paginator reads it: "2" but not "2.0" or "last"
        except ValueError:
            number = 0
        if not 1 <= number <= self.max_page_number:  # past it, no list has a page; nor can OFFSET say so
            raise exceptions.NotFound(self.invalid_page_message)
        return number, size

    def page_response(self, request, *, number: int, count: int, has_next: bool, results: list) -> Response:
        """``{count, next, previous, results}`` with DRF's links, for a page read by the caller."""
        url = request.build_absolute_uri()
        if number == 1:
            previous = None
        elif number == 2:
            previous = remove_query_param(url, self.page_query_param)
        else:
            previous = replace_query_param(url, self.page_query_param, number - 1)
        following = replace_query_param(url, self.page_query_param, number + 1) if has_next else None
        return Response({"count": count, "next": following, "previous": previous, "results": results})


# For the OpenAPI schema (drf-spectacular) of every app's views.


def error(description: str, serializer: type[serializers.Serializer] = ErrorSerializer) -> OpenApiResponse:
    """Document an error response whose body is ``{"detail", "code", ...}``."""
    return OpenApiResponse(response=serializer, description=description)


def invalid(description: str) -> OpenApiResponse:
    return error(description, ValidationErrorSerializer)


NOT_AUTHENTICATED = error(
    "`not_authenticated`: no access token; `token_not_valid`: a malformed or expired one; "
    "`token_revoked`: one issued before an admin's revocation or of a login that ended (R22, R24)."
)
# The query parameters of every paginated list (StandardPagination), for extend_schema.
PAGE_QUERY_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1."),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Items per page, at most 100."),
]


def paginated_page(
    request: Request,
    view: APIView,
    items: QuerySet,
    serializer_class: type[serializers.Serializer],
    count: int | None = None,
) -> tuple[Response, list]:
    """One page of `items` as ``{count, next, previous, results}`` (SPEC section 4), with its rows."""
    paginator = StandardPagination()
    page = paginator.paginate_queryset(items, request, view=view, count=count)
    return paginator.get_paginated_response(serializer_class(page, many=True).data), page


def paginated(
    request: Request,
    view: APIView,
    items: QuerySet,
    serializer_class: type[serializers.Serializer],
    count: int | None = None,
) -> Response:
    """One page of `items` as ``{count, next, previous, results}`` (SPEC section 4)."""
    return paginated_page(request, view, items, serializer_class, count)[0]


__all__ = [
    "NOT_AUTHENTICATED",
    "PAGE_QUERY_PARAMETERS",
    "ErrorSerializer",
    "RateLimitedErrorSerializer",
    "StandardPagination",
    "StrictInputSerializer",
    "ValidationErrorSerializer",
    "error",
    "exception_handler",
    "invalid",
    "paginated",
    "paginated_page",
    "status",
]
