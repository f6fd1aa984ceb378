"""ASGI entry point, for an ASGI server (the Procfile serves WSGI through gunicorn)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookstore.settings")

application = get_asgi_application()
