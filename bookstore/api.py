"""What every API view shares: the one exception handler (R26) and pagination."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import set_rollback

from billing.exceptions import InsufficientFunds

from .exceptions import DomainError

# DRF's own errors, with the stable codes clients rely on (R26).
DRF_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.ParseError: "parse_error",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "too_many_requests",
}


def _domain_error_body(error: DomainError) -> dict[str, Any]:
    body = error.as_dict()
    if isinstance(error, InsufficientFunds):
        # R11: tell the client where to top up, with the amount filled in.
        body["charge_url"] = f"{reverse('api:wallet-charge')}?amount={error.shortfall}"
    return body


def _code_of(exc: exceptions.APIException) -> str:
    for kind, code in DRF_CODES.items():
        if isinstance(exc, kind):
            return code
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Turn every expected error into ``{"detail", "code", ...}`` with its own status (R26)."""
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(_domain_error_body(exc), status=exc.status)
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
        body = {"detail": "The input is not valid.", "code": "invalid", "errors": exc.detail}
        if isinstance(exc.detail, dict):
            body["errors"] = exc.detail
        else:
            body["errors"] = {"non_field_errors": exc.detail}
    else:
        body = {"detail": str(exc.detail), "code": _code_of(exc)}
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            body["retry_after"] = int(exc.wait)
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


class StandardPagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` up to 100 (SPEC section 4)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


__all__ = ["StandardPagination", "exception_handler", "status"]
