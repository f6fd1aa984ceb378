"""Use cases of a new phone or e-mail: started with the password, applied with a code (issue 14, item 4).

``start_contact_change`` checks the password and texts a code, ``confirm_contact_change``
applies the change once the code comes back, and ``contact_changed`` follows any new
phone or e-mail (a confirmed change, the admin site).
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.formatting import number

from .exceptions import ContactChangeExpired, ContactChangeNotFound, TooManyRequests, WrongContactCode
from .languages import speaking_to
from .models import ContactChange, User, masked_email, masked_phone
from .rate_limits import RateLimited, otp_codes
from .services import check_current_password
from .sms import send_sms


@dataclass(frozen=True)
class ContactChallenge:
    change: ContactChange
    sent_to: str  # the phone the code went to, masked
    expires_in: int  # seconds


def start_contact_change(
    *, user: User, password: str, phone: str | None = None, email: str | None = None, now: datetime | None = None
) -> ContactChallenge:
    """Check the password and the new phone or e-mail, then text a code to confirm it (issue 14, item 4).

    A stolen access token alone must not buy the account for good, so a new phone or
    e-mail needs the current password, then a code:

    - a new phone: the code goes to the new phone, which so proves it receives codes
      before login codes go there;
    - a new e-mail: the code goes to the current phone, the account's second factor as
      at login. The site sends no e-mail (there is no e-mail backend) and never uses the
      address to log in or to recover an account, so the address itself is not proven.

    Wrong passwords count per user (``current_password_tries``: 5 per 15 minutes, then
    429 even for the right one); codes count with the login codes (R21: 5 per 2 minutes,
    10 per hour). A new change replaces the user's pending one. Nothing changes until
    confirm_contact_change.
    """
    now = now or timezone.now()
    if (phone is None) == (email is None):
        raise ValidationError(_("Give either a new phone number or a new e-mail address."), code="one_contact")
    field, value = (ContactChange.Field.PHONE, phone) if phone is not None else (ContactChange.Field.EMAIL, email)
    check_current_password(user=user, password=password, field="password")
    subject = str(user.pk)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        value = locked.clean_contact(field, value)
        try:
            otp_codes.hit(subject)
        except RateLimited as limited:
            raise TooManyRequests(retry_after=limited.retry_after) from None
        ContactChange.objects.filter(user=locked, confirmed_at__isnull=True).delete()
        change = ContactChange(user=locked, field=field, new_value=value)
        code = change.issue(now=now)
    destination = value if field == ContactChange.Field.PHONE else locked.phone
    with speaking_to(locked):
        message = contact_code_message(field=field, code=code, new_value=value)
    # Sent after the commit: the code must exist before anyone can type it.
    send_sms(phone=destination, message=message)
    return ContactChallenge(
        change=change, sent_to=masked_phone(destination), expires_in=int(ContactChange.LIFETIME.total_seconds())
    )


def contact_code_message(*, field: str, code: str, new_value: str) -> str:
    """The SMS carrying a change's code, in the active language; the code's digits stay Latin to copy."""
    minutes = int(ContactChange.LIFETIME.total_seconds()) // 60
    if field == ContactChange.Field.PHONE:
        text = ngettext(
            "Your Bookstore code is %(code)s. It makes this number your account's phone and expires in "
            "%(minutes)s minute. If you did not ask for this, ignore this message.",
            "Your Bookstore code is %(code)s. It makes this number your account's phone and expires in "
            "%(minutes)s minutes. If you did not ask for this, ignore this message.",
            minutes,
        )
    else:
        text = ngettext(
            "Your Bookstore code is %(code)s. It makes %(email)s your e-mail address and expires in "
            "%(minutes)s minute. If you did not ask for this, someone knows your password: change it.",
            "Your Bookstore code is %(code)s. It makes %(email)s your e-mail address and expires in "
            "%(minutes)s minutes. If you did not ask for this, someone knows your password: change it.",
            minutes,
        )
    # The code goes in as it is, never through number(): Persian digits would not paste into the form.
    params = {"code": code, "minutes": number(minutes)}
    if field != ContactChange.Field.PHONE:
        params["email"] = masked_email(new_value)
    return text % params


def contact_changed(*, user: User, field: str, old_phone: str, now: datetime | None = None) -> None:
    """What follows a new phone or e-mail, whoever set it (a confirmed change, the admin site).

    The old phone is told by SMS after the commit, with the new value masked. A new phone
    ends every token and session issued before it, as a new password does (R24): the
    login's second factor moved. Call it inside the transaction that saved `user`.
    """
    if field == ContactChange.Field.PHONE:
        user.cut_off_tokens(now or timezone.now())
    with speaking_to(user):
        if field == ContactChange.Field.PHONE:
            message = _("Your Bookstore phone number was changed to %(phone)s. If this wasn't you, contact us at once.")
            message %= {"phone": masked_phone(user.phone)}
        else:
            message = _(
                "Your Bookstore e-mail address was changed to %(email)s. If this wasn't you, contact us at once."
            )
            message %= {"email": masked_email(user.email)}
    # Robust: the change stands even if the SMS backend fails after the commit.
    transaction.on_commit(lambda: send_sms(phone=old_phone, message=message), robust=True)


def confirm_contact_change(*, user: User, change_id, code: str, now: datetime | None = None) -> User:
    """Apply a pending change of phone or e-mail once its code is right (issue 14, item 4).

    Under the user's row lock, so of two confirms of one change one applies it and the
    other finds it used (409). The new value is checked again, as someone may have taken
    the e-mail meanwhile (400). The old phone is told by SMS, with the new value masked.
    A new phone ends every token and session issued before it, as a new password does
    (R24): the login's second factor moved, so whoever held a session must log in
    through it. A new e-mail revokes nothing: it is not used to log in.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        change = ContactChange.objects.select_for_update().filter(pk=change_id, user=locked).first()
        if change is None:
            raise ContactChangeNotFound()
        if not change.is_pending(now):
            raise ContactChangeExpired()
        if change.check_code(code, now=now):
            old_phone = locked.phone
            setattr(locked, change.field, locked.clean_contact(change.field, change.new_value))
            locked.save(update_fields=[change.field])
            change.confirm(now=now)
            contact_changed(user=locked, field=change.field, old_phone=old_phone, now=now)
            setattr(user, change.field, getattr(locked, change.field))
            user.tokens_revoked_at = locked.tokens_revoked_at
            return locked
        attempts_left = change.attempts_left
    if attempts_left == 0:
        raise ContactChangeExpired(_("That was the last try: this code no longer works. Start the change again."))
    raise WrongContactCode(attempts_left=attempts_left)
