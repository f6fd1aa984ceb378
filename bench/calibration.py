"""The yardstick of issue 8: a bare Django view returning 20 rows of 100,000 through the ORM.

bench.py serves it with the same gunicorn, settings and middleware as the real API, so the
ratio of the two tells how much the API costs beyond Django itself, and its figure tells
how fast this machine is at the moment: the issue measured about 950 req/s at 20 clients
on its machine. Not part of the product: only ``make bench`` loads this module.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookstore.settings")

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402

settings.ROOT_URLCONF = __name__


def books(request):
    from catalog.models import Book

    rows = list(Book.objects.order_by("title", "id").values("id", "title", "isbn", "price", "units")[:20])
    return JsonResponse({"results": rows})


urlpatterns = [path("bare/", books)]
application = get_wsgi_application()
