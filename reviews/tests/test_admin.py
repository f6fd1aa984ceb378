"""The reviews admin (R27, R37): read-only, and its Hide action goes through the service."""

import pytest
from django.test import Client

from reviews.models import Review
from reviews.services import write_review

pytestmark = pytest.mark.django_db


def test_the_admin_hides_reviews_through_the_service_and_cannot_edit_them_R27_R37(make_book, make_borrower, admin_user):
    book = make_book(units=2)
    rude = write_review(customer=make_borrower(book), book=book, rating=1, text="Rude.")
    kept = write_review(customer=make_borrower(book), book=book, rating=5)
    client = Client()
    client.force_login(admin_user)
    assert client.get("/admin/reviews/review/?shown=visible").status_code == 200
    response = client.post("/admin/reviews/review/", {"action": "hide", "_selected_action": [rude.pk]}, follow=True)
    assert "1 review hidden." in response.content.decode()
    rude.refresh_from_db()
    book.refresh_from_db()
    assert (rude.hidden_by, book.rating_count, book.rating_sum) == (admin_user, 1, 5)
    change = client.post(f"/admin/reviews/review/{kept.pk}/change/", {"rating": 1, "text": "Changed."})
    assert change.status_code in (403, 200)
    kept.refresh_from_db()
    assert (kept.rating, kept.text) == (5, "")
    assert client.get("/admin/reviews/review/add/").status_code == 403
    assert Review.objects.count() == 2
