"""Notifications by e-mail: a subject, a plain-text and an HTML body in the user's language (R39).

Implements R39 and R40. Each ``Notification.Kind`` has ``templates/notifications/email/<kind>.txt``
and ``<kind>.html`` (both extend a ``base``): a greeting with the user's name, the stored
message, a link to the page the notification is about and one to the notifications page,
and when it was written (Jalali with Persian digits in Persian). They are rendered inside
``accounts.languages.speaking_to(user)``; the links are absolute, on ``settings.SITE_URL``.
The e-mail goes through Django's e-mail backend (``EMAIL_URL``), to ``user.email``.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy

from .languages import speaking_to
from .models import Notification

Kind = Notification.Kind

SUBJECTS = {
    Kind.PROMOTED: gettext_lazy("A book you waited for is yours"),
    Kind.DROPPED: gettext_lazy("You left a book's queue"),
    Kind.LOAN_ENDED: gettext_lazy("Your loan was ended"),
    Kind.ENDING_SOON: gettext_lazy("Your loan ends soon"),
    Kind.SUBSCRIPTION_RENEWED: gettext_lazy("Your subscription is renewed"),
    Kind.SUBSCRIPTION_ENDED: gettext_lazy("Your subscription has ended"),
    Kind.RENEWED: gettext_lazy("Your loan is renewed"),
    Kind.RESUMED: gettext_lazy("Your place in the queue is back"),
    Kind.WALLET_SHORT: gettext_lazy("Top up your wallet to get your book"),
    Kind.WISHED_FREE: gettext_lazy("A book on your wish list is free to borrow"),
    Kind.WISHED_IN_STOCK: gettext_lazy("A book on your wish list is back in stock"),
    Kind.ORDER_CANCELLED: gettext_lazy("Your order is cancelled and refunded"),
}

# The page each kind is about (a URL name); a kind not here links to the notifications page.
PAGES = {
    Kind.PROMOTED: "my-reservations",
    Kind.DROPPED: "my-reservations",
    Kind.LOAN_ENDED: "my-reservations",
    Kind.ENDING_SOON: "my-reservations",
    Kind.RENEWED: "my-reservations",
    Kind.RESUMED: "my-reservations",
    Kind.SUBSCRIPTION_RENEWED: "subscription",
    Kind.SUBSCRIPTION_ENDED: "subscription",
    Kind.WALLET_SHORT: "wallet",
    Kind.WISHED_FREE: "wishlist",
    Kind.WISHED_IN_STOCK: "wishlist",
    Kind.ORDER_CANCELLED: "my-orders",
}


def absolute_url(name: str) -> str:
    """The address of the page named `name` on settings.SITE_URL."""
    return f"{settings.SITE_URL}{reverse(name)}"


def notification_email(notification: Notification) -> EmailMultiAlternatives:
    """The e-mail of `notification`, rendered in its user's language, ready to send. Implements R39 and R40."""
    user = notification.user
    with speaking_to(user):
        subject = str(SUBJECTS[notification.kind])
        context = {
            "subject": subject,
            "name": user.get_full_name() or user.username,
            "message": notification.message,
            "created_at": notification.created_at,
            "page_url": absolute_url(PAGES.get(notification.kind, "notifications")),
            "notifications_url": absolute_url("notifications"),
            "profile_url": absolute_url("profile"),
        }
        text = render_to_string(f"notifications/email/{notification.kind}.txt", context)
        html = render_to_string(f"notifications/email/{notification.kind}.html", context)
    email = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email])
    email.attach_alternative(html, "text/html")
    return email


def send_notification_email(notification: Notification) -> None:
    """Send `notification` to its user's e-mail address through Django's e-mail backend (R39)."""
    if not notification.user.email:
        raise ValueError(f"user {notification.user_id} has no e-mail address")
    notification_email(notification).send(fail_silently=False)
