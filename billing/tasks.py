"""Celery tasks for billing: thin calls into the services, each safe to run twice or at once."""

from celery import shared_task

from . import services


@shared_task
def end_or_renew_subscriptions() -> dict[str, int]:
    """End lapsed subscriptions or auto-renew them from the wallet (R5, R20); run every minute by beat."""
    return services.end_or_renew_subscriptions()
