"""Every error under /api/ is JSON with a code, even for URLs no view matches (R26)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v1/reservations/abc/", "/api/v2/books/"])
def test_unknown_api_urls_answer_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_unknown_page_urls_stay_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_method_not_allowed_has_a_code(api_client):
    response = api_client.put("/api/v1/genres/", {}, format="json")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


def test_unsupported_media_type_has_a_code(api_client):
    response = api_client.post("/api/v1/auth/login/", "<xml/>", content_type="application/xml")
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"
