"""How money, numbers and times read to people, on pages and in notifications alike (R40).

Each answer is in the active language: English writes ``3,000 toman`` and
``2026-12-02 02:29`` (Gregorian); Persian writes ``۳٬۰۰۰ تومان`` and ``۱۴۰۵/۰۹/۱۱ ۰۲:۲۹``
(Jalali, by persiantools, with Persian digits and the Persian thousands separator).
Notifications are written inside the recipient's language (``accounts.languages.speaking_to``).
Times are in the site's time zone (Asia/Tehran by default).

Implements R40.
"""

from datetime import date, datetime

from django.utils import timezone, translation
from django.utils.dates import MONTHS
from django.utils.translation import gettext
from persiantools import digits
from persiantools.jdatetime import JalaliDate, JalaliDateTime

PERSIAN_THOUSANDS_SEPARATOR = "\u066c"  # ٬
PERSIAN_DECIMAL_SEPARATOR = "\u066b"  # ٫


def speaking_persian() -> bool:
    return (translation.get_language() or "").startswith("fa")


def persian_digits(text: str) -> str:
    """Latin digits as Persian ones when the page speaks Persian; other text unchanged."""
    return digits.en_to_fa(text) if speaking_persian() else text


def _in_page_numerals(text: str) -> str:
    """A number written the English way ("1,234.5") as the page writes it: ۱٬۲۳۴٫۵ in Persian."""
    if speaking_persian():
        text = text.replace(",", PERSIAN_THOUSANDS_SEPARATOR).replace(".", PERSIAN_DECIMAL_SEPARATOR)
        return digits.en_to_fa(text)
    return text


def number(value: int) -> str:
    """A whole number with thousands separators: 12,000 or ۱۲٬۰۰۰."""
    return _in_page_numerals(f"{int(value):,}")


def decimal(value: float, places: int = 1) -> str:
    """A number with `places` decimals: 1,234.5 or ۱٬۲۳۴٫۵ (the Persian decimal separator)."""
    return _in_page_numerals(f"{float(value):,.{places}f}")


def toman(amount: int) -> str:
    """Money as people read it: 12,000 toman, or ۱۲٬۰۰۰ تومان. Implements R40."""
    return gettext("%(amount)s toman") % {"amount": number(amount)}


def local_time(moment: datetime) -> str:
    """A time in the site's zone: 2026-11-24 20:30, or in Persian the Jalali ۱۴۰۵/۰۹/۰۳ ۲۰:۳۰. Implements R40."""
    local = timezone.localtime(moment)
    if speaking_persian():
        return digits.en_to_fa(JalaliDateTime(local).strftime("%Y/%m/%d %H:%M"))
    return local.strftime("%Y-%m-%d %H:%M")


def local_date(day: date | datetime) -> str:
    """A day: 2026-11-24, or in Persian the Jalali ۱۴۰۵/۰۹/۰۳ (a datetime is taken in the site's zone)."""
    if isinstance(day, datetime):
        day = timezone.localtime(day).date()
    if speaking_persian():
        return digits.en_to_fa(JalaliDate(day).strftime("%Y/%m/%d"))
    return day.strftime("%Y-%m-%d")


def _day_and_month(day: date) -> tuple[str, str, int]:
    """The day's number, its month's name and its year: Jalali in Persian, Gregorian in English."""
    if speaking_persian():
        jalali = JalaliDate(day)
        return digits.en_to_fa(str(jalali.day)), jalali.strftime("%B", locale="fa"), jalali.year
    return str(day.day), str(MONTHS[day.month]), day.year


def day_range(earliest: datetime, latest: datetime) -> str:
    """Two moments as days people read: "between 24 and 27 December", or "بین ۳ و ۶ دی" (R31, R40).

    In the site's zone; both months are named when they differ, both years when those do,
    and one day stands alone ("on 24 December").
    """
    first, last = (timezone.localtime(moment).date() for moment in (earliest, latest))
    first_day, first_month, first_year = _day_and_month(first)
    last_day, last_month, last_year = _day_and_month(last)
    if first_year != last_year:
        first_month, last_month = (
            f"{month} {persian_digits(str(year))}"
            for month, year in ((first_month, first_year), (last_month, last_year))
        )
    if first == last:
        return gettext("on %(day)s %(month)s") % {"day": first_day, "month": first_month}
    if first_month == last_month:
        return gettext("between %(first)s and %(last)s %(month)s") % {
            "first": first_day,
            "last": last_day,
            "month": last_month,
        }
    return gettext("between %(first)s %(first_month)s and %(last)s %(last_month)s") % {
        "first": first_day,
        "first_month": first_month,
        "last": last_day,
        "last_month": last_month,
    }
