"""HTML login in the same two steps as the API (R21), with the session (R22)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from bookstore.exceptions import DomainError

from . import services
from .exceptions import TooManyRequests
from .forms import CodeForm, LoginForm
from .models import SmsDevice

CHALLENGE_KEY = "login_challenge"
NEXT_KEY = "login_next"


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return "/"


def login_view(request: HttpRequest) -> HttpResponse:
    """Step one: username and password; a code is sent by SMS."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
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
            messages.info(request, "We sent a 6-digit code to your phone.")
            return redirect("login-code")
    return render(request, "accounts/login.html", {"form": form, "next": next_url}, status=status)


def login_code_view(request: HttpRequest) -> HttpResponse:
    """Step two: the code from the SMS logs the browser in."""
    challenge = request.session.get(CHALLENGE_KEY)
    if not challenge:
        messages.info(request, "Log in with your password first.")
        return redirect("login")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
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
            messages.success(request, f"Welcome, {user.username}.")
            return redirect(_safe_next(request, next_url))
    return render(request, "accounts/login_code.html", {"form": form}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are logged out.")
    return redirect("login")


def admin_login_redirect(request: HttpRequest) -> HttpResponse:
    """The admin site logs in through the same two steps as everyone (R21)."""
    next_url = _safe_next(request, request.GET.get("next") or "/admin/")
    return redirect(f"{reverse('login')}?{urlencode({'next': next_url})}")
