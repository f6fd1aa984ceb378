"""Account pages: the two-step login (R21, R22), signup, profile (R23) and notifications.

The helpers at the top are shared by every app's pages: who may open a page, where to
go back to after logging in, and how service errors land on a form.

Decisions where SPEC is silent:
- A page for one role (the wallet is the customer's) answers the 403 page to the other
  roles; anonymous visitors are sent to the login with ``?next=`` back to the page.
- Signing up does not log in: login always takes the password and the SMS code (R21),
  so signup leads to the login page with the username filled in.
- Notifications are marked read when their page is shown; the page still marks them
  "new" that one time.
- A new phone or e-mail takes its own two pages (the password, then the code), as the
  API's two steps (issue 14, item 4). A new phone ends every other session and token
  (contact_change.confirm_contact_change); this browser's session stays, as it just gave the
  password and the code.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.i18n import set_language
from django_otp import login as otp_login

from core.exceptions import DomainError
from core.formatting import number
from core.pages import add_validation_errors, login_required_page, safe_next, with_retry_after

from . import channels, contact_change, services
from .exceptions import ContactChangeExpired, ContactChangeNotFound, TooManyRequests
from .forms import (
    AuthorProfileForm,
    AutoRenewForm,
    CodeForm,
    ContactChangeForm,
    ContactForm,
    LoginForm,
    NotifyByForm,
    PasswordChangeForm,
    SignupForm,
)
from .models import Author, ContactChange, Notification, Role, SmsDevice, Tier, User
from .permissions import is_author, is_customer
from .throttles import CODE_THROTTLES, LOGIN_THROTTLES, SIGNUP_THROTTLES, refused_for

CHALLENGE_KEY = "login_challenge"
NEXT_KEY = "login_next"
CONTACT_CHANGE_KEY = "contact_change"
NOTIFICATIONS_PER_PAGE = 20

# --- Helpers of the account pages -------------------------------------------------------


def throttled_post(request: HttpRequest, form: Form, throttles: list) -> int | None:
    """Count a page's POST against its throttles (as the API's); refused: the form says so.

    Returns the seconds to wait, for the caller's 429 and its Retry-After, or None.
    """
    if request.method != "POST":
        return None
    wait = refused_for(request, throttles)
    if wait is not None:
        form.add_error(
            None,
            ngettext(
                "Too many tries from here. Try again in %(seconds)s second.",
                "Too many tries from here. Try again in %(seconds)s seconds.",
                wait,
            )
            % {"seconds": number(wait)},
        )
    return wait


# --- Login (R21, R22) -----------------------------------------------------------------


def login_view(request: HttpRequest) -> HttpResponse:
    """Step one: username and password; a code is sent by SMS."""
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = LoginForm(request.POST or None, initial={"username": request.GET.get("username", "")})
    status = 200
    if wait := throttled_post(request, form, LOGIN_THROTTLES):
        status = 429
    elif request.method == "POST" and form.is_valid():
        try:
            challenge = services.start_login(**form.cleaned_data)
        except TooManyRequests as error:
            form.add_error(None, error.message)
            status = 429
        except DomainError as error:
            form.add_error(None, error.message)
            status = error.status
        else:
            request.session[CHALLENGE_KEY] = challenge.challenge
            request.session[NEXT_KEY] = next_url
            messages.info(request, _("We sent a 6-digit code to your phone."))
            return redirect("login-code")
    return with_retry_after(
        render(request, "accounts/login.html", {"form": form, "next": next_url}, status=status), wait
    )


def login_code_view(request: HttpRequest) -> HttpResponse:
    """Step two: the code from the SMS logs the browser in."""
    challenge = request.session.get(CHALLENGE_KEY)
    if not challenge:
        messages.info(request, _("Log in with your password first."))
        return redirect("login")
    form = CodeForm(request.POST or None)
    status = 200
    if wait := throttled_post(request, form, CODE_THROTTLES):
        status = 429
    elif request.method == "POST" and form.is_valid():
        try:
            user = services.verify_login(challenge=challenge, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", error.message)
            status = error.status
            if error.code == "challenge_expired":
                request.session.pop(CHALLENGE_KEY, None)
                messages.error(request, error.message)
                return redirect("login")
        else:
            next_url = request.session.pop(NEXT_KEY, "/")
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            device = SmsDevice.objects.filter(user=user).first()
            if device is not None:
                otp_login(request, device)  # marks the session as OTP-verified
            messages.success(request, _("Welcome, %(username)s.") % {"username": user.username})
            return redirect(safe_next(request, next_url))
    state = services.login_code_state(challenge=challenge)
    return with_retry_after(
        render(request, "accounts/login_code.html", {"form": form, "state": state}, status=status), wait
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("login")


def admin_login_redirect(request: HttpRequest) -> HttpResponse:
    """The admin site logs in through the same two steps as everyone (R21)."""
    next_url = safe_next(request, request.GET.get("next") or "/admin/")
    return redirect(f"{reverse('login')}?{urlencode({'next': next_url})}")


# --- Signup, profile, notifications ---------------------------------------------------


def signup_view(request: HttpRequest) -> HttpResponse:
    """Sign up as a customer or an author, through the same service as the API."""
    if request.user.is_authenticated:
        messages.info(request, _("You already have an account and are logged in."))
        return redirect("catalog")
    form = SignupForm(request.POST or None)
    status = 200
    if wait := throttled_post(request, form, SIGNUP_THROTTLES):
        status = 429
    elif request.method == "POST":
        if form.is_valid():
            try:
                user = services.register_user(**form.registration())
            except ValidationError as error:
                add_validation_errors(form, error)
            except IntegrityError:  # a twin signup won the race for the same name, email or phone
                form.add_error(None, _("This username, email or phone number was just taken. Try another."))
            else:
                messages.success(
                    request,
                    _("Your account is ready. Log in with your password; we will text a code to %(phone)s.")
                    % {"phone": user.phone},
                )
                return redirect(f"{reverse('login')}?{urlencode({'username': user.username})}")
        status = 400
    return with_retry_after(render(request, "accounts/signup.html", {"form": form}, status=status), wait)


@login_required_page
def profile_view(request: HttpRequest) -> HttpResponse:
    """Edit your own names, author profile, auto-renew and channels (R39); never role, tier or money (R23).

    The phone and e-mail are shown here and change on their own pages (contact_change_view).
    """
    user = User.objects.select_related("customer", "author__city").get(pk=request.user.pk)
    data = request.POST if request.method == "POST" else None
    contact_form = ContactForm(data, initial={name: getattr(user, name) for name in ("first_name", "last_name")})
    author_form = renew_form = None
    if is_author(user):
        author = user.author
        author_form = AuthorProfileForm(
            data,
            initial={
                "city": author.city_id,
                "goodreads_link": author.goodreads_link,
                "bank_account_number": author.bank_account_number,
                "bio": author.bio,
            },
        )
    if is_customer(user):
        renew_form = AutoRenewForm(data, initial={"auto_renew": user.customer.auto_renew})
    channels_form = NotifyByForm(data, initial={"notify_by": user.notify_by})
    forms = [form for form in (contact_form, author_form, renew_form, channels_form) if form is not None]

    status = 200
    if request.method == "POST":
        if all([form.is_valid() for form in forms]):  # a list, so every form shows its errors
            failed_form = contact_form
            try:
                with transaction.atomic():
                    if contact_form.changed_data:
                        services.update_user(
                            user=user, **{name: contact_form.cleaned_data[name] for name in contact_form.changed_data}
                        )
                    if author_form is not None and author_form.changed_data:
                        failed_form = author_form
                        services.update_author(
                            author=Author.objects.get(pk=user.author.pk),
                            **{name: author_form.cleaned_data[name] for name in author_form.changed_data},
                        )
                    if renew_form is not None and renew_form.changed_data:
                        services.set_auto_renew(customer=user.customer, enabled=renew_form.cleaned_data["auto_renew"])
                    if channels_form.changed_data:
                        failed_form = channels_form
                        channels.set_notify_by(user=user, channels=channels_form.cleaned_data["notify_by"])
            except ValidationError as error:
                add_validation_errors(failed_form, error)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("profile")
        status = 400
    return render(
        request,
        "accounts/profile.html",
        {
            "profile_user": user,
            "contact_form": contact_form,
            "author_form": author_form,
            "renew_form": renew_form,
            "channels_form": channels_form,
            "forms_with_errors": forms,
            "customer": user.customer if is_customer(user) else None,
            "tier_now": Tier(user.customer.tier_at()).label if is_customer(user) else None,
            "role_label": Role(user.role).label,
        },
        status=status,
    )


@login_required_page
def password_change_view(request: HttpRequest) -> HttpResponse:
    """A new password: every token and session ends with it, this one too, so log in again (R24)."""
    form = PasswordChangeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.change_password(user=request.user, **form.change())
            except ValidationError as error:
                add_validation_errors(form, error)
            except DomainError as error:  # too many wrong current passwords (429)
                form.add_error(None, error.message)
                status = error.status
            else:
                logout(request)
                messages.success(
                    request, _("Your password is changed and you are logged out everywhere. Log in with it.")
                )
                return redirect("login")
        status = status if status != 200 else 400
    return render(request, "accounts/password_change.html", {"form": form}, status=status)


@login_required_page
def contact_change_view(request: HttpRequest) -> HttpResponse:
    """A new phone or e-mail, step one: the current password; a code is texted (issue 14, item 4)."""
    form = ContactChangeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                challenge = contact_change.start_contact_change(user=request.user, **form.change())
            except ValidationError as error:
                add_validation_errors(form, error)
            except DomainError as error:  # too many wrong passwords or codes (429)
                form.add_error(None, error.message)
                status = error.status
            else:
                request.session[CONTACT_CHANGE_KEY] = str(challenge.change.pk)
                messages.info(request, _("We sent a 6-digit code to %(phone)s.") % {"phone": challenge.sent_to})
                return redirect("contact-change-code")
        status = status if status != 200 else 400
    return render(request, "accounts/contact_change.html", {"form": form}, status=status)


@login_required_page
def contact_change_code_view(request: HttpRequest) -> HttpResponse:
    """Step two: the code applies the new phone or e-mail; the old phone is told by SMS."""
    change_id = request.session.get(CONTACT_CHANGE_KEY)
    change = ContactChange.objects.filter(pk=change_id, user=request.user).first() if change_id else None
    if change is None:
        messages.info(request, _("Start with your new phone or e-mail and your password."))
        return redirect("contact-change")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        user = request.user
        try:  # no atomic() around it: a wrong code's count must be committed with the refusal
            contact_change.confirm_contact_change(user=user, change_id=change.pk, code=form.cleaned_data["code"])
        except (ContactChangeExpired, ContactChangeNotFound) as error:
            request.session.pop(CONTACT_CHANGE_KEY, None)
            messages.error(request, error.message)
            return redirect("contact-change")
        except DomainError as error:
            form.add_error("code", error.message)
            status = error.status
        except ValidationError as error:  # the e-mail was taken meanwhile
            add_validation_errors(form, error)
            status = 400
        except IntegrityError:  # taken a moment ago, by a twin request
            form.add_error(None, _("This e-mail address or phone number was just taken. Start again with another."))
            status = 400
        else:
            request.session.pop(CONTACT_CHANGE_KEY, None)
            update_session_auth_hash(request, user)  # this session stays; all others ended with a new phone
            done = (
                _("Your phone number is now %(value)s.")
                if change.field == ContactChange.Field.PHONE
                else _("Your e-mail address is now %(value)s.")
            )
            messages.success(request, done % {"value": getattr(user, change.field)})
            return redirect("profile")
    return render(request, "accounts/contact_change_code.html", {"form": form, "change": change}, status=status)


@login_required_page
def notifications_view(request: HttpRequest) -> HttpResponse:
    """Your notifications, newest first; showing them marks them read."""
    page = Paginator(Notification.objects.filter(user=request.user), NOTIFICATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    notifications = list(page.object_list)
    unread = [notification.pk for notification in notifications if notification.read_at is None]
    if unread:
        services.mark_notifications_read(user=request.user, ids=unread)
    return render(request, "accounts/notifications.html", {"page": page, "notifications": notifications})


@require_POST
def language_view(request: HttpRequest) -> HttpResponse:
    """The language switcher on every page (R40): Django's set_language, remembered on the user too.

    It sets the language cookie and goes back to ``next`` (the page it was pressed on); a
    logged-in user's choice is also stored, so it follows them to every device.
    """
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        # Django's set_language would store any language it has a catalog for.
        return redirect(safe_next(request, request.POST.get("next", request.GET.get("next"))))
    if request.user.is_authenticated:
        services.update_user(user=request.user, language=language)
    return set_language(request)
