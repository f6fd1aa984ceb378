"""The languages a user can choose, and the language to speak to a user in (R40).

Implements R40.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils import translation


def user_language(user) -> str:
    """The language this user chose, or "" when they chose none (or are not logged in)."""
    if user is None or not user.is_authenticated:
        return ""
    language = getattr(user, "language", "")
    return language if language in dict(settings.LANGUAGES) else ""


@contextmanager
def speaking_to(user) -> Iterator[str]:
    """Render messages for ``user`` (a notification, an SMS) in their language, else the default. Implements R40."""
    language = user_language(user) or settings.LANGUAGE_CODE
    with translation.override(language):
        yield language


def activate_for_api(request, user) -> None:
    """An API request that named no language (no Accept-Language) speaks the user's one. Implements R40."""
    if "HTTP_ACCEPT_LANGUAGE" not in request.META and (language := user_language(user)):
        translation.activate(language)
        request.LANGUAGE_CODE = language
