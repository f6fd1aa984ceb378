"""How money and times read to people, on pages and in notifications alike."""

from datetime import datetime

from django.utils import timezone


def toman(amount: int) -> str:
    """Money as people read it: 12,000 toman."""
    return f"{amount:,} toman"


def local_time(moment: datetime) -> str:
    """A time in the site's time zone (Asia/Tehran by default), such as 2026-11-24 20:30."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
