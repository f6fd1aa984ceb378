"""Throttles of signup and the two login steps, shared by the API and the pages (R21, issue 14).

Which library: DRF's throttle interface (``BaseThrottle``: the views' hook, the 429
with ``Retry-After``, and ``get_ident``'s client address behind ``NUM_PROXIES`` trusted
proxies), counting with our sliding-window limit (``rate_limits``) instead of DRF's
``SimpleRateThrottle``. That one reads the request history from the cache, appends, and
writes it back with no lock: concurrent requests all read the same history and all pass,
and DRF's docs say it is no protection against brute force. Our limit takes a short
lock in the shared cache, so N concurrent tries pass exactly the rate, and it keeps
several windows per scope (a burst and a day). django-axes was the other candidate: it
counts failed password logins only, so signup and the code step would still need this,
and it would keep a second store of lockouts.

The client is REMOTE_ADDR unless ``DJANGO_TRUSTED_PROXIES`` says how many proxies in
front append to ``X-Forwarded-For``; then it is the address the outermost trusted
proxy saw. With none, ``X-Forwarded-For`` is ignored, so a client cannot pick a new
identity per request. IPv6 clients count by their /64, which one subscriber holds.

The password step is counted per client and per account: the account is the username
as typed (NFKC, any case), whether it exists or not, so a wrong username and a wrong
password meet the same limit (R21). Every try counts, right or wrong, and is counted
before the password hasher runs, so a flood costs no Argon2 work.
"""

import hashlib
import ipaddress

from django.conf import settings
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle

from .models import User
from .rate_limits import RateLimited, SlidingWindowLimit, Window

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_rate(rate: str) -> Window:
    """ "30/minute" -> Window(30, 60); the period may be second, minute, hour or day."""
    count, _, period = rate.partition("/")
    try:
        return Window(limit=int(count), seconds=PERIODS[period.strip().lower()])
    except (KeyError, ValueError):
        raise ValueError(f"A throttle rate is 'N/second|minute|hour|day', not {rate!r}") from None


def client_address(request: HttpRequest) -> str:
    """The client's address as the throttles see it: see the module docstring."""
    address = BaseThrottle().get_ident(request) or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def account_key(username: str) -> str:
    """The same key for every spelling of one username that login accepts (User.normalize_username, any case)."""
    normalised = User.normalize_username(username).casefold().strip()
    return hashlib.sha256(normalised.encode()).hexdigest()[:32]


class SlidingWindowThrottle(BaseThrottle):
    """One scope of ``settings.SIGN_IN_THROTTLES``, each rate a window of its own."""

    scope = ""

    def __init__(self) -> None:
        self.retry_after: int | None = None

    def subject(self, request) -> str | None:
        """Whom this try counts against; None counts nothing."""
        raise NotImplementedError

    def limit(self) -> SlidingWindowLimit:
        rates = settings.SIGN_IN_THROTTLES[self.scope]
        return SlidingWindowLimit(f"throttle-{self.scope}", *(parse_rate(rate) for rate in rates))

    def allow_request(self, request, view) -> bool:
        subject = self.subject(request)
        if subject is None:
            return True
        try:
            self.limit().hit(subject)
        except RateLimited as limited:
            self.retry_after = limited.retry_after
            return False
        return True

    def wait(self) -> int | None:
        return self.retry_after


class ClientThrottle(SlidingWindowThrottle):
    def subject(self, request) -> str | None:
        return client_address(request)


class AccountThrottle(SlidingWindowThrottle):
    def subject(self, request) -> str | None:
        data = getattr(request, "data", None)  # a DRF request's parsed body
        if data is None:
            data = request.POST  # a page's form
        username = data.get("username") if hasattr(data, "get") else None
        return account_key(username) if isinstance(username, str) and username.strip() else None


def throttle(scope: str, base: type[SlidingWindowThrottle]) -> type[SlidingWindowThrottle]:
    return type(f"{base.__name__}[{scope}]", (base,), {"scope": scope})


LOGIN_THROTTLES = [throttle("login-client", ClientThrottle), throttle("login-account", AccountThrottle)]
CODE_THROTTLES = [throttle("code-client", ClientThrottle)]
SIGNUP_THROTTLES = [throttle("signup-client", ClientThrottle)]


def refused_for(request: HttpRequest, throttles: list[type[SlidingWindowThrottle]]) -> int | None:
    """For a page's POST: count the try against every throttle; seconds to wait if any refuses."""
    waits = []
    for throttle_class in throttles:
        instance = throttle_class()
        if not instance.allow_request(request, None):
            waits.append(instance.wait())
    return max(waits) if waits else None
