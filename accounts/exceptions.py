"""Refusals of the access rules (R21–R24)."""

from core.exceptions import Conflict, DomainError, NotAllowed


class InvalidCredentials(DomainError):
    """Wrong username or wrong password: one answer for both (R21)."""

    code = "invalid_credentials"
    status = 401
    default_message = "The username or password is not correct."


class InvalidCode(DomainError):
    code = "invalid_code"
    status = 401
    default_message = "The code is not correct."


class ChallengeExpired(DomainError):
    code = "challenge_expired"
    status = 401
    default_message = "This code has expired or was used up. Log in again to get a new one."


class TooManyRequests(DomainError):
    code = "too_many_requests"
    status = 429
    default_message = "Too many codes were requested. Try again later."
    message_with_wait = "Too many codes were requested. Try again in {retry_after} seconds."

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(self.message_with_wait.format(retry_after=retry_after), retry_after=retry_after)
        self.retry_after = retry_after


class CannotRevokeAdmin(NotAllowed):
    code = "cannot_revoke_admin"
    default_message = "An admin's tokens cannot be revoked."


class InvalidRefreshToken(DomainError):
    code = "token_not_valid"
    status = 401
    default_message = "The refresh token is not valid."


class TokenReused(DomainError):
    """A refresh token that was already rotated came back: its whole login ends (issue 14)."""

    code = "token_reused"
    status = 401
    default_message = (
        "This refresh token was already used, so it may have been copied: every token of this login "
        "is now revoked. Log in again."
    )


class HasLiveReservations(Conflict):
    code = "has_live_reservations"
    default_message = "Return your books and leave your queues before closing the account."


class TooManyPasswordTries(TooManyRequests):
    """Too many wrong current passwords for a password, phone or e-mail change (issue 14)."""

    default_message = "Too many wrong passwords. Try again later."
    message_with_wait = "Too many wrong passwords. Try again in {retry_after} seconds."


class ContactChangeNotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = "You have no such change of phone or e-mail."


class ContactChangeExpired(Conflict):
    code = "contact_change_expired"
    default_message = "This code has expired or was used up. Start the change again to get a new one."


class WrongContactCode(DomainError):
    """A wrong code for a pending change of phone or e-mail: 400, as the caller is logged in."""

    code = "invalid_code"
    status = 400
    default_message = "The code is not correct."
