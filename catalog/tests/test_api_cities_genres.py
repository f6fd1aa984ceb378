"""Catalog API: cities and genres, read by anyone, paginated (SPEC 4, R22, R26)."""

import pytest
from django.urls import reverse

from accounts.models import City
from accounts.tests.factories import CityFactory
from bookstore.tests.api_assertions import assert_error
from catalog.models import Genre
from catalog.tests.factories import GenreFactory

pytestmark = pytest.mark.django_db

# cities/ and genres/ -----------------------------------------------------------------------


class TestCities:
    def test_anyone_lists_cities_by_name_paginated_R22(self, api_client):
        for name in ["Tabriz", "Esfahan", "Shiraz"]:
            CityFactory(name=name)
        response = api_client.get(reverse("api:city-list"))
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"count", "next", "previous", "results"}
        assert body["count"] == 3 and body["next"] is None and body["previous"] is None
        assert [city["name"] for city in body["results"]] == ["Esfahan", "Shiraz", "Tabriz"]
        assert set(body["results"][0]) == {"id", "name"}

    def test_page_size_is_capped_at_100(self, api_client):
        City.objects.bulk_create(City(name=f"City {n:03d}") for n in range(105))
        body = api_client.get(reverse("api:city-list"), {"page_size": 1000}).json()
        assert body["count"] == 105
        assert len(body["results"]) == 100
        assert body["next"] and "page=2" in body["next"]
        second = api_client.get(body["next"]).json()
        assert len(second["results"]) == 5 and second["previous"] and second["next"] is None

    def test_a_page_past_the_end_is_404(self, api_client):
        assert_error(api_client.get(reverse("api:city-list"), {"page": 99}), 404, "not_found")


class TestGenres:
    def test_anyone_lists_genres_with_slug(self, api_client):
        GenreFactory(name="Poetry", slug="poetry")
        GenreFactory(name="History", slug="history")
        body = api_client.get(reverse("api:genre-list")).json()
        assert [(g["name"], g["slug"]) for g in body["results"]] == [("History", "history"), ("Poetry", "poetry")]
        assert set(body["results"][0]) == {"id", "name", "slug"}

    def test_page_size_chooses_the_page_length(self, api_client):
        Genre.objects.bulk_create(Genre(name=f"Genre {n}", slug=f"genre-{n}") for n in range(5))
        body = api_client.get(reverse("api:genre-list"), {"page_size": 2, "page": 2}).json()
        assert body["count"] == 5 and len(body["results"]) == 2
        assert body["next"] and body["previous"]

    def test_a_write_is_405(self, client_for, admin):
        response = client_for(admin).post(reverse("api:genre-list"), {"name": "X"}, format="json")
        assert_error(response, 405, "method_not_allowed")
