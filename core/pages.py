"""What the HTML views of every app share: safe redirects, the role gate, form errors."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, candidate: str | None, default: str = "/") -> str:
    """Return `candidate` if it points into this site, else `default` (no open redirects)."""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return default


def role_required(check: Callable, *, refusal: str, back_to: str | Callable[..., str] | None = None) -> Callable:
    """Let only users passing `check` in: anonymous ones go to the login, others get the 403 page.

    `back_to` is where the login returns to, for views that answer POST only: a URL name,
    or a callable taking the view's URL arguments. Without it the login returns here.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                if back_to is None:
                    target = request.get_full_path()
                elif callable(back_to):
                    target = back_to(**kwargs)
                else:
                    target = reverse(back_to)
                return redirect_to_login(target)
            if not check(request.user):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _anyone(user) -> bool:
    return True


login_required_page = role_required(_anyone, refusal="")


def add_validation_errors(form: Form, error: ValidationError) -> None:
    """Show a model or service ValidationError on the form's own fields where they exist."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, field_errors)


def with_retry_after(response: HttpResponse, wait: int | None) -> HttpResponse:
    if wait is not None:
        response["Retry-After"] = str(wait)
    return response


def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, which browsers ask for on every page whatever the page links: the site's icon."""
    return redirect(static("img/favicon.svg"), permanent=True)
