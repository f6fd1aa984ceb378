"""What every page's navigation shows of the logged-in user."""

from django.http import HttpRequest

from .models import Notification


def unread_notifications(request: HttpRequest) -> dict:
    """``unread_notifications``: how many of the user's notifications are unread, counted when a page shows it.

    A callable, so a page that does not show it (the admin, the API) costs no query.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": lambda: Notification.objects.filter(user=user, read_at__isnull=True).count()}
