"""The admin in Persian: our texts and Django's, Persian digits, Jalali dates, money in toman.

The admin index, a book's holders view (with its confirmation and messages) and the
dashboard, fetched as a Persian browser asks (``Accept-Language: fa``) by an admin; and
a money column of the admin lists, in Persian and in English (R40).
"""

import re
from datetime import timedelta

import pytest
from django.utils import dateformat, timezone, translation

from accounts.models import Role
from accounts.tests.factories import UserFactory
from catalog.tests.factories import BookFactory
from core.formatting import local_date, local_time, number, persian_digits, toman
from reservations.services import reserve

pytestmark = pytest.mark.django_db

JALALI = re.compile("۱۴[۰-۹]{2}/[۰-۹]{2}/[۰-۹]{2}")
PERSIAN_DIGIT = re.compile("[۰-۹]")


@pytest.fixture
def admin_client(client):
    """A client logged in as a superuser admin, as in bookstore/tests/test_admin_site.py."""
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    return client


def persian(client, path: str, **kwargs) -> str:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="fa", **kwargs)
    assert response.status_code == 200, path
    html = response.content.decode()
    assert '<html lang="fa" dir="rtl"' in html
    return html


def in_persian(function, *args):
    with translation.override("fa"):
        return function(*args)


@pytest.fixture
def held_book(make_customer, now):
    """A one-unit book: a Plus holder for 3 days and one Plus customer queued."""
    book = BookFactory(title="کلیدر", units=1, price=1_000)
    holder = reserve(customer=make_customer("plus", balance=50_000), book=book, days=3, now=now - timedelta(minutes=5))
    waiting = reserve(customer=make_customer("plus", balance=50_000), book=book, days=2, now=now - timedelta(minutes=4))
    return book, holder, waiting


def test_the_admin_index_in_persian(admin_client):
    html = persian(admin_client, "/admin/")
    assert "مدیریت بوک‌استور" in html  # ours: the site's name
    assert "نمودارهای رزرو روزانه، طول صف‌ها و درآمد کیف پول" in html
    assert "مدیریت وب‌گاه" in html  # Django's own: "Site administration"
    assert "Bookstore admin" not in html and "Charts of reservations" not in html


def test_a_books_holders_view_in_persian_with_jalali_dates(admin_client, held_book):
    book, holder, waiting = held_book
    html = persian(admin_client, f"/admin/catalog/book/{book.pk}/holders/")
    for text in ["امانت‌گیرندگان کنونی (۱)", "صف (۱)", "پایان زودهنگام", "حذف", "قیمت (تومان)", "شابک", "پلاس"]:
        assert text in html, text
    assert "۱ نسخه، ۱ در امانت، ۱ در صف." in html
    assert "تغییر گذرواژه" in html  # Django's own: "Change password"
    cells = re.search(rf'<tr data-reservation="{holder.pk}">(.*?)</tr>', html, re.S).group(1)
    price = in_persian(number, holder.price)
    assert f'<td class="number">{price}</td>' in cells and '<td class="number">۳</td>' in cells
    assert in_persian(local_time, holder.starts_at) in cells and in_persian(local_time, holder.ends_at) in cells
    assert JALALI.search(cells)
    for english in ["Holders and queue", "End early", "Current holders", "Nobody"]:
        assert english not in html, english


def test_ending_a_loan_early_asks_and_answers_in_persian(admin_client, held_book):
    book, holder, waiting = held_book
    path = f"/admin/catalog/book/{book.pk}/holders/"
    asked = admin_client.post(path, {"action": "end", "reservation": holder.pk}, HTTP_ACCEPT_LANGUAGE="fa")
    question = asked.content.decode()
    assert "این امانت زودهنگام پایان یابد؟" in question and "بله، زودهنگام پایان یابد" in question
    assert in_persian(local_time, holder.ends_at) in question and "نه، بازگشت" in question
    data = {"action": "end", "reservation": holder.pk, "confirmed": "yes"}
    done = admin_client.post(path, data, follow=True, HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert f"رزرو شمارهٔ {in_persian(persian_digits, str(holder.pk))} متعلق به" in done
    assert "زودهنگام پایان یافت." in done
    assert "نوبت به نفر بعدی صف رسید" in done


def test_the_dashboard_in_persian_with_jalali_days_and_toman(admin_client, held_book, now):
    _, holder, _ = held_book  # the holder paid; the customer queued pays when served
    html = persian(admin_client, "/admin/dashboard/")
    headings = ["داشبورد", "رزروهای هر روز", "درآمد کیف پول در هر روز", "روزبه‌روز", "پرطرفدارترین کتاب‌ها"]
    for text in [*headings, "روز (ماه/روز)"]:
        assert text in html, text
    assert "رزروهای هر روز، ۳۰ روز گذشته" in html  # a chart's <title>
    assert re.search(r'id="total-reservations">۲<', html)
    assert f'id="total-revenue">{in_persian(toman, holder.price)}<' in html
    today = timezone.localdate(now)
    row = re.search(rf'<tr data-day="{today:%Y-%m-%d}">(.*?)</tr>', html, re.S).group(1)
    assert in_persian(local_date, today) in row and JALALI.search(row)
    assert in_persian(dateformat.format, today, "D") in row  # Django's own name of the weekday
    assert f'<td class="number">{in_persian(number, holder.price)}</td>' in row
    assert "Reservations per day" not in html and "Day by day" not in html


@pytest.mark.parametrize(
    ("language", "shown"), [("fa", "۳٬۰۰۰ تومان"), ("en", "3,000 toman")], ids=["persian", "english"]
)
def test_an_admin_money_column_shows_toman_in_the_pages_language(admin_client, language, shown):
    book = BookFactory(title="Kelidar", price=3_000)
    html = admin_client.get("/admin/catalog/book/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    row = re.search(rf"<tr>(?:(?!</tr>).)*?/admin/catalog/book/{book.pk}/change/.*?</tr>", html, re.S).group(0)
    assert f'<td class="field-price_toman">{shown}</td>' in row
