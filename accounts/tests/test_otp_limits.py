"""Limits on login codes, counted in sliding windows in the shared cache (R21)."""

import pytest
from django.conf import settings
from django.core.cache import cache

from accounts.rate_limits import RateLimited, SlidingWindowLimit, Window, otp_codes
from accounts.tests.conftest import PASSWORD, sms_codes
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- Code limits in the shared cache (R21) ----------------------------------------


def test_the_cache_is_the_real_redis_when_configured():
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set (make test sets it)")
    from django.core.cache import caches
    from django_redis.cache import RedisCache

    assert isinstance(caches["default"], RedisCache)
    cache.set("probe", 1)
    assert cache.get("probe") == 1


def test_sixth_code_in_two_minutes_is_429_with_retry_after(api_client, capsys):
    UserFactory(username="sara")
    for _ in range(5):
        response = api_client.post("/api/v1/auth/login/", {"username": "sara", "password": PASSWORD}, format="json")
        assert response.status_code == 200
    response = api_client.post("/api/v1/auth/login/", {"username": "sara", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_requests"
    assert 1 <= int(response["Retry-After"]) <= 120
    assert response.json()["retry_after"] == int(response["Retry-After"])
    assert len(sms_codes(capsys)) == 5


def test_limits_count_per_user_in_sliding_windows():
    t0 = 1_000_000.0
    for i in range(5):
        otp_codes.hit("u1", now=t0 + i)
    otp_codes.hit("u2", now=t0 + 5)  # another user has their own count
    with pytest.raises(RateLimited) as limited:
        otp_codes.hit("u1", now=t0 + 10)
    assert limited.value.retry_after == 110  # when the first of the five leaves the window
    otp_codes.hit("u1", now=t0 + 120.5)  # the oldest left the 2-minute window
    for i in range(4):
        otp_codes.hit("u1", now=t0 + 600 + i)
    with pytest.raises(RateLimited) as limited:
        otp_codes.hit("u1", now=t0 + 1300)  # ten in the last hour already
    assert limited.value.retry_after == 2300  # the first code leaves the hour at t0 + 3600
    otp_codes.hit("u1", now=t0 + 3600.5)


def test_refused_requests_do_not_count():
    limit = SlidingWindowLimit("probe", Window(limit=1, seconds=60))
    limit.hit("a", now=0.0)
    for second in range(1, 50):
        with pytest.raises(RateLimited):
            limit.hit("a", now=float(second))
    limit.hit("a", now=60.5)


def test_limits_hold_across_processes(tmp_path):
    """Another process hitting the same shared cache uses up the same allowance."""
    import os
    import subprocess
    import sys

    if not settings.REDIS_URL:
        pytest.skip("needs the shared Redis (make test sets REDIS_URL)")
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    # The child uses this test's key prefix, as another process of the same site would.
    script = (
        "import os, django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'bookstore.settings')\n"
        "from django.conf import settings\n"
        f"settings.CACHES['default']['KEY_PREFIX'] = {prefix!r}\n"
        "django.setup()\n"
        "from accounts.rate_limits import otp_codes\n"
        "for _ in range(5): otp_codes.hit('shared-user')\n"
    )
    env = {**os.environ, "REDIS_URL": settings.REDIS_URL}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, cwd=settings.BASE_DIR)
    with pytest.raises(RateLimited):
        otp_codes.hit("shared-user")
