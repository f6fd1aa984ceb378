"""The base of every domain error: a stable ``code``, an HTTP ``status`` and extra fields.

Each app declares its own errors in its ``exceptions.py``; one handler (API) and the
HTML views turn them into responses (R26).
"""

from typing import Any

from django.utils.translation import gettext_lazy


class DomainError(Exception):
    """A refusal by a business rule, carrying what a client needs to react to it. Implements R26."""

    code = "domain_error"
    status = 400
    default_message = gettext_lazy("The request was refused.")

    def __init__(self, message: str | None = None, **extra: Any) -> None:
        # A lazy default is rendered now, in the language of the request that is refused (R40).
        self.message = str(message or self.default_message)
        self.extra = extra
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        """Return the error body: ``{"detail", "code", ...extra}``."""
        return {"detail": str(self.message), "code": self.code, **self.extra}


class InvalidInput(DomainError):
    code = "invalid"
    status = 400
    default_message = gettext_lazy("The input is not valid.")


class NotAllowed(DomainError):
    code = "permission_denied"
    status = 403
    default_message = gettext_lazy("You are not allowed to do this.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = gettext_lazy("The request conflicts with the current state.")
