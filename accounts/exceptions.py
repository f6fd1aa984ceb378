"""Refusals of the access rules (R21–R24).

Each message is in the language of the request (R40); the codes never change.
"""

from django.utils.translation import gettext_lazy, ngettext

from core.exceptions import Conflict, DomainError, NotAllowed
from core.formatting import number


class InvalidCredentials(DomainError):
    """Wrong username or wrong password: one answer for both (R21)."""

    code = "invalid_credentials"
    status = 401
    default_message = gettext_lazy("The username or password is not correct.")


class InvalidCode(DomainError):
    code = "invalid_code"
    status = 401
    default_message = gettext_lazy("The code is not correct.")


class ChallengeExpired(DomainError):
    code = "challenge_expired"
    status = 401
    default_message = gettext_lazy("This code has expired or was used up. Log in again to get a new one.")


class TooManyRequests(DomainError):
    code = "too_many_requests"
    status = 429
    default_message = gettext_lazy("Too many codes were requested. Try again later.")

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(self.message_with_wait(retry_after), retry_after=retry_after)
        self.retry_after = retry_after

    def message_with_wait(self, retry_after: int) -> str:
        return ngettext(
            "Too many codes were requested. Try again in %(seconds)s second.",
            "Too many codes were requested. Try again in %(seconds)s seconds.",
            retry_after,
        ) % {"seconds": number(retry_after)}


class CannotRevokeAdmin(NotAllowed):
    code = "cannot_revoke_admin"
    default_message = gettext_lazy("An admin's tokens cannot be revoked.")


class InvalidRefreshToken(DomainError):
    code = "token_not_valid"
    status = 401
    default_message = gettext_lazy("The refresh token is not valid.")


class TokenReused(DomainError):
    """A refresh token that was already rotated came back: its whole login ends (issue 14)."""

    code = "token_reused"
    status = 401
    default_message = gettext_lazy(
        "This refresh token was already used, so it may have been copied: every token of this login "
        "is now revoked. Log in again."
    )


class HasLiveReservations(Conflict):
    code = "has_live_reservations"
    default_message = gettext_lazy("Return your books and leave your queues before closing the account.")


class TooManyPasswordTries(TooManyRequests):
    """Too many wrong current passwords for a password, phone or e-mail change (issue 14)."""

    default_message = gettext_lazy("Too many wrong passwords. Try again later.")

    def message_with_wait(self, retry_after: int) -> str:
        return ngettext(
            "Too many wrong passwords. Try again in %(seconds)s second.",
            "Too many wrong passwords. Try again in %(seconds)s seconds.",
            retry_after,
        ) % {"seconds": number(retry_after)}


class ContactChangeNotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = gettext_lazy("You have no such change of phone or e-mail.")


class ContactChangeExpired(Conflict):
    code = "contact_change_expired"
    default_message = gettext_lazy("This code has expired or was used up. Start the change again to get a new one.")


class WrongContactCode(DomainError):
    """A wrong code for a pending change of phone or e-mail: 400, as the caller is logged in."""

    code = "invalid_code"
    status = 400
    default_message = gettext_lazy("The code is not correct.")
