"""Use cases for accounts: registering, the two-step login, tokens and their revocation, profiles, passwords.

A new phone or e-mail has its own module, `accounts.contact_change`.
"""

import uuid
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from core.formatting import number
from core.updates import set_fields

from .authentication import FAMILY_CLAIM, REVOCATION_CLAIM, issued_before_cutoff, revocation_stamp
from .exceptions import (
    CannotRevokeAdmin,
    ChallengeExpired,
    HasLiveReservations,
    InvalidCode,
    InvalidCredentials,
    InvalidRefreshToken,
    TokenReused,
    TooManyPasswordTries,
    TooManyRequests,
)
from .languages import speaking_to
from .models import Author, Customer, Notification, RefreshFamily, Role, SmsDevice, User, masked_phone
from .rate_limits import RateLimited, current_password_tries, otp_codes
from .sms import send_sms


@transaction.atomic
def register_user(*, username: str, email: str, phone: str, password: str, role: str = Role.CUSTOMER) -> User:
    """Create a user and the profile its role needs (a customer or an author)."""
    user = User(username=username, email=email, phone=phone, role=role)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    user.full_clean()
    user.save()
    if role == Role.CUSTOMER:
        Customer.objects.create(user=user)
    elif role == Role.AUTHOR:
        Author.objects.create(user=user)
    return user


def notify(*, user: User, kind: str, message: str) -> Notification:
    """Store a notification for `user` in the caller's transaction; the SMS goes after commit.

    A rolled-back transaction sends nothing. If the broker cannot take the task, the
    commit still stands (robust) and ``send_pending_notifications`` sends it later.
    """
    from .tasks import send_notification

    notification = Notification.objects.create(user=user, kind=kind, message=message)
    transaction.on_commit(lambda: send_notification.delay(notification.pk), robust=True)
    return notification


def notify_many(*, notifications: list[Notification]) -> list[Notification]:
    """Store many unsaved notifications in one INSERT, as ``notify`` does each (a book's 1,000 wishers, R38)."""
    from .tasks import send_notification

    created = Notification.objects.bulk_create(notifications)
    for notification in created:
        transaction.on_commit(lambda pk=notification.pk: send_notification.delay(pk), robust=True)
    return created


def mark_notifications_read(*, user: User, ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Mark the user's unread notifications read, all or those of `ids`; return how many (R39).

    Ids of another user's notifications mark nothing: only the user's own are looked at.
    """
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=now or timezone.now())


@dataclass(frozen=True)
class LoginChallenge:
    challenge: str
    expires_in: int  # seconds


def start_login(*, username: str, password: str, now: datetime | None = None) -> LoginChallenge:
    """Check the password, then send a one-time code by SMS (R21, first step).

    A wrong username and a wrong password give the same error; `authenticate` runs the
    password hasher for unknown users too, so both take about the same time.
    Implements R21.
    """
    user = authenticate(username=username, password=password)
    if user is None:
        raise InvalidCredentials()
    try:
        otp_codes.hit(str(user.pk))
    except RateLimited as limited:
        raise TooManyRequests(retry_after=limited.retry_after) from None
    now = now or timezone.now()
    with transaction.atomic():
        device, _ = SmsDevice.objects.select_for_update().get_or_create(
            user=user, defaults={"name": "SMS", "confirmed": True}
        )
        code = device.issue(now=now)
    with speaking_to(user):
        message = login_code_message(code)
    # Sent after the commit: the code must exist before anyone can type it.
    send_sms(phone=user.phone, message=message)
    return LoginChallenge(challenge=device.challenge, expires_in=int(SmsDevice.LIFETIME.total_seconds()))


def login_code_message(code: str) -> str:
    """The SMS carrying a login code (R21), in the active language; the code's digits stay Latin to copy."""
    minutes = int(SmsDevice.LIFETIME.total_seconds()) // 60
    text = ngettext(
        "Your Bookstore code is %(code)s. It expires in %(minutes)s minute.",
        "Your Bookstore code is %(code)s. It expires in %(minutes)s minutes.",
        minutes,
    )
    # The code goes in as it is, never through number(): Persian digits would not paste into the form.
    return text % {"code": code, "minutes": number(minutes)}


@dataclass(frozen=True)
class CodeState:
    """Where a login code went and how many wrong tries it still takes (R21), for the code page."""

    sent_to: str  # the phone, masked
    attempts_left: int


def login_code_state(*, challenge: str, now: datetime | None = None) -> CodeState | None:
    """The state of the code behind `challenge`, or None once it no longer works."""
    now = now or timezone.now()
    device = SmsDevice.objects.select_related("user").filter(challenge=challenge).first() if challenge else None
    if device is None or not device.is_usable(now):
        return None
    return CodeState(sent_to=masked_phone(device.user.phone), attempts_left=SmsDevice.MAX_FAILURES - device.failures)


def verify_login(*, challenge: str, code: str, now: datetime | None = None) -> User:
    """Check the one-time code of a challenge (R21, second step); return the user.

    Implements R21.
    """
    now = now or timezone.now()
    with transaction.atomic():
        device = (
            SmsDevice.objects.select_for_update().select_related("user").filter(challenge=challenge).first()
            if challenge
            else None
        )
        if device is None or not device.is_usable(now) or not device.user.is_active:
            raise ChallengeExpired()
        if device.check_code(code, now=now):
            return device.user
        attempts_left = max(0, SmsDevice.MAX_FAILURES - device.failures) if device.token else 0
    if attempts_left == 0:
        raise ChallengeExpired(_("That was the last try: this code no longer works. Log in again."))
    raise InvalidCode(attempts_left=attempts_left)


@transaction.atomic
def issue_tokens(user: User, *, now: datetime | None = None) -> dict[str, str]:
    """Return a fresh JWT pair for `user`, the first of a new refresh family (R22).

    Implements R22.
    """
    refresh = RefreshToken.for_user(user)
    refresh[REVOCATION_CLAIM] = revocation_stamp(user)  # the access token copies it
    family = RefreshFamily.objects.create(
        id=uuid.uuid4().hex, user=user, current_jti=refresh[api_settings.JTI_CLAIM], created_at=now or timezone.now()
    )
    refresh[FAMILY_CLAIM] = family.id  # and this
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def _read_refresh(refresh: str) -> RefreshToken:
    """Check the signature, expiry, type and simplejwt's blacklist of a refresh token."""
    try:
        return RefreshToken(refresh)
    except TokenError as error:
        raise InvalidRefreshToken(str(error)) from None


def refresh_tokens(*, refresh: str, now: datetime | None = None) -> dict[str, str]:
    """Rotate a refresh token: a new pair, and the presented token is spent (R22, issue 14).

    Rotation is a compare-and-swap on the family's one live token id, so of any number
    of concurrent refreshes with one token exactly one gets a pair. Any other token of
    the family that comes back was rotated already: someone holds a copy, so the family
    ends (401 ``token_reused``) and every token of that login with it, the live one too.
    A client whose refresh reply was lost logs in again: there is no grace period.
    Implements R22.
    """
    now = now or timezone.now()
    token = _read_refresh(refresh)
    family_id, presented_jti = token.get(FAMILY_CLAIM), token[api_settings.JTI_CLAIM]
    user = User.objects.filter(pk=token.get(api_settings.USER_ID_CLAIM)).first()
    if not family_id:
        raise InvalidRefreshToken(_("This refresh token is from before login families: log in again."))
    if user is None or not user.is_active or issued_before_cutoff(user, token):
        raise InvalidRefreshToken(_("This token was revoked."))
    token.set_jti()
    token.set_exp(from_time=now)
    token.set_iat(at_time=now)
    with transaction.atomic():
        rotated = RefreshFamily.objects.filter(
            pk=family_id, user=user, current_jti=presented_jti, ended_at__isnull=True
        ).update(current_jti=token[api_settings.JTI_CLAIM], rotated_at=now)
        if rotated:
            token.outstand()  # listed with the user's tokens, as simplejwt keeps them
            return {"access": str(token.access_token), "refresh": str(token)}
    with transaction.atomic():
        family = RefreshFamily.objects.select_for_update().filter(pk=family_id, user=user).first()
        if family is None or family.ended_at is not None:
            raise InvalidRefreshToken(_("This login has ended (logged out or revoked): log in again."))
        family.ended_at, family.end_reason = now, RefreshFamily.EndReason.REUSED
        family.save(update_fields=["ended_at", "end_reason"])
    raise TokenReused()


def delete_spent_logins(*, now: datetime | None = None) -> int:
    """Delete refresh families that no token can name any more: untouched for a refresh lifetime.

    Every token of such a family has expired (an access token lives less than a refresh
    token), so the row decides nothing; an ended family is kept until then, as its
    access tokens must stay refused while they live. simplejwt's list of expired refresh
    tokens goes too (what its ``flushexpiredtokens`` does). Returns how many families
    were deleted.
    """
    now = now or timezone.now()
    cutoff = now - api_settings.REFRESH_TOKEN_LIFETIME
    spent = RefreshFamily.objects.filter(Q(rotated_at__lt=cutoff) | Q(rotated_at__isnull=True, created_at__lt=cutoff))
    deleted, _ = spent.delete()
    OutstandingToken.objects.filter(expires_at__lte=now).delete()  # and their blacklist rows
    return deleted


@transaction.atomic
def log_out(*, user: User, refresh: str, now: datetime | None = None) -> None:
    """End the login the refresh token belongs to: it and the login's access tokens stop (R22).

    Implements R22.
    """
    token = _read_refresh(refresh)
    if str(token.get(api_settings.USER_ID_CLAIM)) != str(user.pk):
        raise InvalidRefreshToken(_("This refresh token belongs to someone else."))
    if family_id := token.get(FAMILY_CLAIM):
        RefreshFamily.objects.filter(pk=family_id, user=user, ended_at__isnull=True).update(
            ended_at=now or timezone.now(), end_reason=RefreshFamily.EndReason.LOGOUT
        )
    token.blacklist()


@transaction.atomic
def revoke_tokens(*, user: User, now: datetime | None = None) -> None:
    """An admin revokes every token of a non-admin user; their sessions end too (R24).

    Implements R24.
    """
    if user.role == Role.ADMIN:
        raise CannotRevokeAdmin()
    user.cut_off_tokens(now or timezone.now())


@transaction.atomic
def close_account(*, user: User, now: datetime | None = None) -> None:
    """Deactivate the account and its tokens; the ledger and history stay, as money records must."""
    now = now or timezone.now()
    # A loan past its end holds nothing, even before the worker ends it (R16). The
    # reservations app sits above this one: its rows are reached through the relation.
    if hasattr(user, "customer") and user.customer.reservations.live_at(now).exists():
        raise HasLiveReservations()
    set_user_active(user=user, active=False, now=now)


@transaction.atomic
def set_user_active(*, user: User, active: bool, now: datetime | None = None) -> User:
    """An admin opens or closes an account; closing it ends its tokens and sessions (R24, R27).

    Implements R27.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.is_active != active:
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        if not active:
            locked.cut_off_tokens(now or timezone.now())
    user.is_active, user.tokens_revoked_at = locked.is_active, locked.tokens_revoked_at
    return locked


@transaction.atomic
def update_user(*, user: User, **fields) -> User:
    """Change a user's own names and language (R23, R40); role and money are not among the fields.

    The phone and the e-mail change only through start_contact_change and
    confirm_contact_change (issue 14, item 4). Only the fields given are written: `user`
    was read without a lock, and a full save would also write what it read of the rest (R27).
    """
    if changed := set_fields(user, fields, allowed={"first_name", "last_name", "language"}):
        user.save(update_fields=changed)
        if {"first_name", "last_name"} & set(changed) and hasattr(user, "author"):
            user.author.books.refresh_search_documents()  # authors' names are searchable
    return user


@transaction.atomic
def update_author(*, author: Author, **fields) -> Author:
    """Change an author's own profile (R23)."""
    if changed := set_fields(author, fields, allowed={"city", "goodreads_link", "bank_account_number", "bio"}):
        author.save(update_fields=changed)
    return author


def set_auto_renew(*, customer: Customer, enabled: bool) -> Customer:
    """Turn auto-renew on or off: a customer's own choice, which billing's renewal reads (R20)."""
    customer.auto_renew = bool(enabled)
    customer.save(update_fields=["auto_renew"])
    return customer


def check_current_password(*, user: User, password: str, field: str) -> None:
    """Refuse a wrong current password (400 on `field`), counting it per user (issue 14).

    ``current_password_tries``: 5 wrong ones per 15 minutes, for a password or a contact
    change alike; once full even the right one waits (429), or the limit would only change
    the answer. Call it outside any transaction: a refusal's rollback must not undo the
    count (the embedded default keeps the cache in the database).
    """
    subject = str(user.pk)
    try:
        current_password_tries.check(subject)
    except RateLimited as limited:
        raise TooManyPasswordTries(retry_after=limited.retry_after) from None
    if not user.check_password(password):
        with suppress(RateLimited):  # full now: the next try is refused
            current_password_tries.hit(subject)
        raise ValidationError({field: [_("This is not your current password.")]})


def change_password(*, user: User, old_password: str, new_password: str) -> None:
    """Set a new password; every token and session issued before ends (User.save), so log in again.

    Wrong current passwords count with those of a contact change (check_current_password):
    whoever holds a stolen token or session cannot guess the password here.
    """
    check_current_password(user=user, password=old_password, field="old_password")
    try:
        validate_password(new_password, user)
    except ValidationError as error:
        raise ValidationError({"new_password": error.messages}) from None
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
