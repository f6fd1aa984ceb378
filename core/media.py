"""Uploaded files (book covers) served from ``MEDIA_ROOT`` at ``MEDIA_URL`` by WhiteNoise.

On in the embedded default and wherever ``DJANGO_SERVE_MEDIA`` is true (its default):
one process serves pages, static files and covers, nothing else to install. WhiteNoise
looks the file up on each request under ``MEDIA_URL`` only (new uploads appear at once;
its checks keep a request inside ``MEDIA_ROOT``), with the usual caching headers. In
production behind a proxy, set ``DJANGO_SERVE_MEDIA=false`` and let the proxy serve
``MEDIA_ROOT`` at ``/media/`` (README, Production).
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from whitenoise.base import WhiteNoise
from whitenoise.middleware import WhiteNoiseMiddleware


class MediaFilesMiddleware(WhiteNoiseMiddleware):
    def __init__(self, get_response=None):
        if not settings.SERVE_MEDIA:
            raise MiddlewareNotUsed
        self.get_response = get_response
        WhiteNoise.__init__(self, application=None, autorefresh=True, max_age=60 * 60)
        self.use_finders = False
        self.static_prefix = settings.MEDIA_URL  # the one prefix this instance serves
        Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
        self.add_files(str(settings.MEDIA_ROOT), prefix=settings.MEDIA_URL)

    def __call__(self, request):
        if request.path_info.startswith(self.static_prefix) and (found := self.find_file(request.path_info)):
            return self.serve(found, request)
        return self.get_response(request)
