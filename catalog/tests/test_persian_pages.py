"""The catalog in Persian: the list and a book page asked for with ``Accept-Language: fa``.

Persian texts, Persian digits and prices as «۳٬۰۰۰ تومان»; the English of the same pages is
the other tests'.

Implements R40.
"""

import pytest

from accounts.models import Tier
from accounts.tests.conftest import text_of
from reservations.services import reserve

pytestmark = pytest.mark.django_db

FA = {"HTTP_ACCEPT_LANGUAGE": "fa"}


def test_the_catalog_list_speaks_persian_with_persian_digits(client, make_book, make_customer, now):
    make_book(units=2, title="Animal Farm")
    taken = make_book(units=1, title="بوف کور")
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=taken, days=2, now=now)
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=taken, days=2, now=now)  # queued
    response = client.get("/", **FA)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="fa"' in html and 'dir="rtl"' in html
    text = text_of(response)
    assert "فهرست کتاب‌ها" in text and "۲ کتاب" in text
    assert "۲ از ۲ نسخه آزاد" in text
    assert "نسخهٔ آزاد ندارد" in text and "۱ نفر در صف" in text
    assert "جست‌وجو در فهرست کتاب‌ها" in html  # the search form's label
    assert "None free" not in text and "waiting" not in text and "available" not in text


def test_a_search_in_persian_says_how_many_it_found(client, make_book):
    make_book(title="بوف کور")
    text = text_of(client.get("/", {"q": "بوف"}, **FA))
    assert "۱ کتاب پیدا شد" in text and "پاک کردن جست‌وجو و فیلترها" in text


def test_a_book_page_in_persian_shows_the_price_in_toman(client, make_book):
    book = make_book(units=3, title="سووشون", price=3_000)
    response = client.get(f"/books/{book.pk}/", **FA)
    assert response.status_code == 200
    text = text_of(response)
    assert "قیمت پشت جلد ۳٬۰۰۰ تومان" in text
    assert "نسخه‌های کتاب‌خانه ۳" in text and "۳ نسخهٔ آزاد" in text and "کسی در صف نیست" in text
    # The reserve box of a visitor: the price a day, and how to log in.
    assert "هزینهٔ امانت روزی ۱٬۰۰۰ تومان است" in text and "وارد شوید" in text
    assert "List price" not in text and "toman" not in text


def test_a_customer_reads_the_days_and_prices_of_the_reserve_form_in_persian(client, make_book, make_customer):
    book = make_book(units=1, title="کلیدر")
    customer = make_customer(Tier.PLUS, balance=50_000)
    client.force_login(customer.user)
    text = text_of(client.get(f"/books/{book.pk}/", **FA))
    assert "۳ روز · ۳٬۰۰۰ تومان" in text and "۷ روز · ۷٬۰۰۰ تومان" in text
    assert "روزی ۱٬۰۰۰ تومان" in text and "تا ۷ روز را مجاز می‌داند" in text
    assert "کیف پول شما: ۵۰٬۰۰۰ تومان" in text and "رزرو کن" in text
