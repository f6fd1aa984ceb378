"""The books' change list in the admin, in Persian and in English (R40).

In Persian the numbers a reader sees are in Persian digits (the result count, the selection
counter as the server writes it, the units), the column heads and the filter are Persian,
and the ISBN, a code rather than a number, keeps its Latin digits left to right in a
``dir="ltr"`` element. In English the page reads as Django's own admin does.

Implements R40.
"""

import re

import pytest

from accounts.models import Role
from accounts.tests.conftest import text_of
from accounts.tests.factories import UserFactory
from catalog.tests.factories import BookFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/catalog/book/"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    return client


@pytest.fixture
def books():
    """Twelve books, one of them with 12 units and the ISBN 9780306406157."""
    first = BookFactory(title="کلیدر", isbn="9780306406157", units=12)
    return [first, *BookFactory.create_batch(11, units=1)]


def test_the_persian_book_list_counts_in_persian_digits_with_the_isbn_left_to_right_R40(admin_client, books):
    response = admin_client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="fa")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fa" dir="rtl"' in html
    text = text_of(response)
    assert "۱۲ کتاب‌ها" in text  # admin/pagination.html: the result count
    assert "۰ از ۱۲ انتخاب شده‌اند" in text  # admin/actions.html: the selection counter before any tick
    assert re.search(r'<td class="field-unit_count">۱۲</td>', html)  # the units of the first book
    assert '<td class="field-isbn_code"><span dir="ltr">9780306406157</span></td>' in html
    assert "عنوان" in text and "ژانر" in text and "نسخه‌ها" in text and "خارج‌شده از فهرست" in text
    assert "براساس ژانر" in text  # the genre filter's title, from the field's verbose name
    assert "(R28)" not in text and "(R25)" not in text  # rule numbers are the developers', not the page's
    for header in ("Title", "Genre", "Units", "Withdrawn at"):  # the column heads Django wrote in English
        assert f">{header}</a>" not in html and f">{header}</span>" not in html, header
    assert "selected" not in text and "books" not in text
    assert 'src="/static/js/admin-digits.js"' in html  # the counter stays Persian as boxes are ticked


def test_the_english_book_list_reads_as_before_R40(admin_client, books):
    response = admin_client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en" dir="ltr"' in html
    text = text_of(response)
    assert "12 books" in text and "0 of 12 selected" in text
    assert '<td class="field-unit_count">12</td>' in html
    assert '<td class="field-isbn_code"><span dir="ltr">9780306406157</span></td>' in html
    for header in ("Title", "ISBN", "Genre", "Authors", "Units", "Available now", "Queued", "Price", "Withdrawn at"):
        assert f">{header}</a>" in html or f">{header}</span>" in html, header
    assert "By genre" in text and "Withdrawn" in text and "(R28)" not in text
    assert "Bring back the selected withdrawn books to the catalog" in text
    assert "admin-digits.js" not in html  # English digits need no converting


def test_the_book_list_still_sorts_by_isbn_and_units_R40(admin_client, books):
    by_units = admin_client.get(CHANGELIST, {"o": "5"}, HTTP_ACCEPT_LANGUAGE="en")  # unit_count is column 5
    assert by_units.status_code == 200
    assert [book.units for book in by_units.context["cl"].result_list][-1] == 12
    by_isbn = admin_client.get(CHANGELIST, {"o": "-2"}, HTTP_ACCEPT_LANGUAGE="en")  # isbn_code, descending
    isbns = [book.isbn for book in by_isbn.context["cl"].result_list]
    assert isbns == sorted(isbns, reverse=True)
