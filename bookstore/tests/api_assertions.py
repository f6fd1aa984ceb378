"""Assertions on the SPEC error body (R26), shared by the API tests."""


def assert_error(response, status: int, code: str) -> dict:
    """The response has `status` and the body `{"detail": <text>, "code": code, ...}`."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def assert_invalid(response, field: str) -> dict:
    """A 400 `invalid` naming `field` among its errors."""
    body = assert_error(response, 400, "invalid")
    assert field in body["errors"], body
    return body
