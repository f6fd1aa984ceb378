"""OpenAPI schema generation (drf-spectacular) tuned to our one-class-per-operation views."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny, IsAuthenticated

from .api import ErrorSerializer, RateLimitedErrorSerializer, ValidationErrorSerializer

# The errors any view can answer with, whatever its own logic (R26). A view documents its
# own errors in @extend_schema with their codes; these fill in the statuses it left out.
STANDARD_ERRORS = {
    "400": OpenApiResponse(
        ValidationErrorSerializer,
        description="`invalid`: the input is not valid, `errors` maps each field to its messages; "
        "`parse_error`: the body is not well-formed JSON.",
    ),
    "401": OpenApiResponse(
        ErrorSerializer,
        description="`not_authenticated`: no credentials; `authentication_failed`, `bad_authorization_header` "
        "or `token_not_valid`: a malformed, expired or revoked access token (R22, R24).",
    ),
    "403": OpenApiResponse(ErrorSerializer, description="`permission_denied`: your role may not do this (R22, R23)."),
    "404": OpenApiResponse(ErrorSerializer, description="`not_found`: no such object, or no such page."),
    "415": OpenApiResponse(
        ErrorSerializer, description="`unsupported_media_type`: send the body as `application/json`."
    ),
    "429": OpenApiResponse(
        RateLimitedErrorSerializer,
        description="`too_many_requests`: wait `retry_after` seconds (also the `Retry-After` header).",
    ),
}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class AutoSchema(SpectacularAutoSchema):
    """Name nested serializers after their view and document the errors every view may give."""

    def get_serializer_name(self, serializer, direction):
        qualname = type(serializer).__qualname__
        if "." in qualname:
            owner, name = qualname.rsplit(".", 1)
            owner = owner.split(".")[-1].removesuffix("Api")
            return f"{owner}{name.removesuffix('Serializer')}"
        return super().get_serializer_name(serializer, direction)

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for status_code in self.standard_error_statuses(operation):
            if status_code not in responses:
                responses[status_code] = self._get_response_for_code(STANDARD_ERRORS[status_code], status_code)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def standard_error_statuses(self, operation: dict) -> list[str]:
        """The statuses DRF itself may answer this operation with, whatever the view's own logic.

        - 400 when there is input to validate (a body or query parameters);
        - 401 when the view authenticates: a bad token is refused even where anyone may read;
        - 403 when a permission can refuse, or a session-authenticated write lacks its CSRF token;
        - 404 when a path names an object or a page is asked for;
        - 415 when there is a body, sent in another media type than JSON;
        - 429 when the view is rate limited.
        """
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        authenticates = bool(self.view.get_authenticators())
        # AllowAny never refuses; IsAuthenticated refuses with 401, which is counted apart.
        refusable = any(
            not isinstance(permission, (AllowAny, IsAuthenticated)) for permission in self.view.get_permissions()
        )
        statuses = []
        if has_body or any(parameter["in"] in ("query", "header") for parameter in parameters):
            statuses.append("400")
        if authenticates:
            statuses.append("401")
            if refusable or self.method not in SAFE_METHODS:
                statuses.append("403")
        if any(parameter["in"] == "path" or parameter["name"] == "page" for parameter in parameters):
            statuses.append("404")
        if has_body:
            statuses.append("415")
        if self.view.get_throttles():
            statuses.append("429")
        return statuses
