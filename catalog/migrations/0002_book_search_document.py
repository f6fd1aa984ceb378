"""Catalog search: a stored search document per book, GIN-indexed on PostgreSQL only.

The GIN index is not declared in Book.Meta.indexes because SQLite (the embedded default)
cannot create it; it is created here when the database is PostgreSQL, on exactly the
expression catalog.filters.search_books filters on, so the planner can use it.
"""

from django.db import migrations, models

from catalog.models import isbn_forms, normalize_search_text

SEARCH_INDEX_NAME = "catalog_book_search_gin"


def _search_index():
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    return GinIndex(SearchVector("search_document", config="simple"), name=SEARCH_INDEX_NAME)


def fill_search_documents(apps, schema_editor):
    Book = apps.get_model("catalog", "Book")
    books = list(Book.objects.using(schema_editor.connection.alias).prefetch_related("authors__user"))
    for book in books:
        names = []
        for author in book.authors.all():
            names += [author.user.first_name, author.user.last_name, author.user.username]
        parts = [book.title, *names, *(sorted(isbn_forms(book.isbn)) or [book.isbn]), book.description]
        book.search_document = normalize_search_text("\n".join(part for part in parts if part))
    Book.objects.using(schema_editor.connection.alias).bulk_update(books, ["search_document"], batch_size=500)


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("catalog", "Book"), _search_index())


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("catalog", "Book"), _search_index())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="book",
            name="search_document",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_documents, migrations.RunPython.noop),
        migrations.RunPython(create_search_index, drop_search_index),
    ]
