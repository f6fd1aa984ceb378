"""A logged-in user's stored language decides the language of the pages (R40).

Django's LocaleMiddleware has already chosen from the language cookie (the switcher),
then the browser's Accept-Language, then ``LANGUAGE_CODE``. A user who chose a language
gets it on every device. The API is left to LocaleMiddleware's choice: its error texts
follow Accept-Language, and a token's user is known only after DRF authenticates it
(``accounts.authentication`` applies the user's language then, if the request named none).

Implements R40.
"""

from django.utils import translation

from .languages import user_language


class UserLanguageMiddleware:
    """After LocaleMiddleware: a logged-in user's stored language wins on pages. Implements R40."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # request.user is lazy: a request with no session cookie reads nothing here.
        if not request.path.startswith("/api/") and (language := user_language(getattr(request, "user", None))):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
