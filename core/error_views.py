"""Site-wide error views: JSON under /api/, the usual pages elsewhere (R26).

Django calls these for what no view answered itself: ``bad_request`` for a
``SuspiciousOperation`` — a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (also one DRF
reads for ``request.data``), too many fields, a ``Host`` not in ``ALLOWED_HOSTS`` —
``permission_denied`` for a ``PermissionDenied`` outside DRF, ``not_found`` for a URL
no view matches, ``server_error`` for a bug. Under /api/ each answers
``{"detail", "code"}``; the codes are ``request_too_large``, ``too_many_fields``,
``disallowed_host``, ``bad_request`` (any other), ``permission_denied``, ``not_found``
and ``server_error``. With ``DEBUG`` on, Django shows its debug page for a
``SuspiciousOperation`` instead, API or not.
"""

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.views import defaults


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _error(detail: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def _bad_request_body(exception: Exception) -> tuple[str, str]:
    """The (detail, code) of a 400 for `exception`; never the exception's own text (it may echo input)."""
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        detail = gettext("The request body is too large: at most %(limit)s bytes are accepted.") % {"limit": limit}
        return detail, "request_too_large"
    if isinstance(exception, (TooManyFieldsSent, TooManyFilesSent)):
        return gettext("The request has too many fields."), "too_many_fields"
    if isinstance(exception, DisallowedHost):
        return gettext("This server does not answer for the host named in the request."), "disallowed_host"
    return gettext("The request is malformed."), "bad_request"


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _error(*_bad_request_body(exception), status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _error(str(exception) or gettext("You are not allowed to do this."), "permission_denied", status=403)
    return defaults.permission_denied(request, exception)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _error(gettext("Not found."), "not_found", status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return _error(gettext("Something went wrong on our side."), "server_error", status=500)
    return defaults.server_error(request)
