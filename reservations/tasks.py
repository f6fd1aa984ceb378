"""Celery tasks for reservations: thin calls into the services, each safe to run twice or at once."""

from celery import shared_task

from . import expiry, notifications, pauses


@shared_task
def expire_due_reservations() -> int:
    """End reservations whose time is up and serve their queues (R16, R13); run every minute by beat."""
    return expiry.expire_due_reservations()


@shared_task
def notify_reservations_ending_soon() -> int:
    """Tell holders of loans ending within 24 hours, once per reservation (SPEC section 6)."""
    return notifications.notify_ending_soon()


@shared_task
def resume_due_pauses() -> int:
    """Resume paused places whose day has come, tell each customer once, serve free copies (R30, R32)."""
    return pauses.resume_due_pauses()
