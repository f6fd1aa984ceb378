"""core.loading: instances read without ``__init__`` are the ones Django's ``from_db`` makes (issue 15)."""

from unittest import mock

import pytest
from django.db import models
from django.db.models import signals
from django.db.models.base import DEFERRED

from accounts.models import Author, User
from accounts.tests.factories import AuthorFactory
from catalog.models import Book, Genre
from catalog.tests.factories import BookFactory
from core.loading import LoadedQuickly

pytestmark = pytest.mark.django_db

QUICK = [Book, Genre, Author, User]


def djangos(model, db, field_names, values):
    """What Django's own Model.from_db makes of the same row."""
    return models.Model.from_db.__func__(model, db, field_names, values)


def same(quick, made) -> None:
    assert type(quick) is type(made)
    assert {key: value for key, value in quick.__dict__.items() if key != "_state"} == {
        key: value for key, value in made.__dict__.items() if key != "_state"
    }
    assert (quick._state.db, quick._state.adding) == (made._state.db, made._state.adding) == ("default", False)
    assert quick.get_deferred_fields() == made.get_deferred_fields()


@pytest.fixture
def book():
    book = BookFactory(units=2, authors=[AuthorFactory(bio="Poet")])
    Book.objects.filter(pk=book.pk).update(cover="covers/a.png")
    return book


def test_the_models_read_most_load_quickly_without_init(book):
    assert all(issubclass(model, LoadedQuickly) for model in QUICK)
    rows = {model: model.objects.order_by("pk").values_list().first() for model in QUICK}
    with mock.patch.object(models.Model, "__init__", side_effect=AssertionError("__init__ called")):
        for model, row in rows.items():
            assert model.from_db("default", None, row).pk == row[0]
        with pytest.raises(AssertionError, match="__init__ called"):
            djangos(Genre, "default", None, rows[Genre])


@pytest.mark.parametrize("model", QUICK)
def test_a_whole_row_and_a_row_with_deferred_fields_load_as_django_loads_them(book, model):
    row = model.objects.order_by("pk").values_list().first()
    names = [field.attname for field in model._meta.concrete_fields]
    same(model.from_db("default", None, row), djangos(model, "default", None, row))
    same(model.from_db("default", names, row), djangos(model, "default", names, row))
    kept = [name for index, name in enumerate(names) if index % 2 == 0 or name == "id"]
    values = [value for name, value in zip(names, row, strict=True) if name in kept]
    quick = model.from_db("default", kept, values)
    same(quick, djangos(model, "default", kept, values))
    assert quick.get_deferred_fields() == set(names) - set(kept)
    with_deferred = [value if name in kept else DEFERRED for name, value in zip(names, row, strict=True)]
    same(model.from_db("default", None, with_deferred), quick)


def test_what_the_orm_reads_behaves_as_usual(book):
    read = Book.objects.select_related("genre").defer("description").get(pk=book.pk)
    assert read.cover.name == "covers/a.png" and read.cover.url.endswith("covers/a.png")  # the file wrapped on use
    assert read.genre.pk == book.genre_id and read.get_deferred_fields() == {"description"}
    assert read.description == book.description  # a deferred field read on first use
    author = read.authors.get()
    assert author.bio == "Poet" and author.user.username
    read.title = "Renamed"
    read.save()
    assert Book.objects.get(pk=book.pk).title == "Renamed"
    assert Book.objects.get(pk=book.pk) == read and hash(read) == hash(book)


def test_a_model_someone_listens_to_on_init_loads_through_django(book):
    heard = []

    def listener(sender, instance, **kwargs):
        heard.append((sender, instance.pk))

    signals.post_init.connect(listener, sender=Genre)
    try:
        genre = Genre.objects.get(pk=book.genre_id)
        Book.objects.get(pk=book.pk)  # nobody listens to Book: no signal for it
    finally:
        signals.post_init.disconnect(listener, sender=Genre)
    assert heard == [(Genre, genre.pk)]
