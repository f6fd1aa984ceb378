"""Template filters over ``core.formatting``: ``{% load formatting %}`` then
``{{ price|toman }}``, ``{{ ends_at|when }}``, ``{{ day|day }}``, ``{{ count|num }}``,
``{{ ratio|decimal:2 }}`` and ``{{ text|digits }}``, each in the page's language (R40). An empty value renders as "".

Implements R40.
"""

from django import template

from core import formatting

register = template.Library()


@register.filter
def toman(amount) -> str:
    return "" if amount is None or amount == "" else formatting.toman(amount)


@register.filter
def when(moment) -> str:
    return "" if not moment else formatting.local_time(moment)


@register.filter
def day(value) -> str:
    return "" if not value else formatting.local_date(value)


@register.filter
def num(value) -> str:
    return "" if value is None or value == "" else formatting.number(value)


@register.filter
def decimal(value, places=1) -> str:
    return "" if value is None or value == "" else formatting.decimal(value, int(places))


@register.filter
def digits(value) -> str:
    return "" if value is None else formatting.persian_digits(str(value))


@register.filter
def day_range(span) -> str:
    """``{{ expected_between|day_range }}``: an [earliest, latest] pair as days (R31)."""
    return "" if not span else formatting.day_range(*span)
