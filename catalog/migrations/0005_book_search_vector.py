"""A stored, weighted search vector with a GIN index, and a partial index for the list's pages.

``Book.search_vector`` is derived from ``Book.search_document`` by a PostgreSQL trigger
(``catalog_book_search_vector``) on every insert and every write of the document, so it
is maintained whoever writes the document: the catalog services, ``bulk_update``,
``bulk_create`` (bench/generate.py), the admin site, migrations. The document's sections
(``catalog.models.compose_search_document``) give the weights: title A, authors' names
and ISBN forms B, description D. A document laid out before this migration (one text, the
title on its first line) still gets a vector: its first line A, the whole text D.

Why a trigger and not service code: a vector written by Python would need every writer of
the document to remember it (bench/generate.py and 0002's fill build documents
themselves); the trigger cannot be forgotten. On SQLite (the embedded default) there is
no trigger and the column stays empty: search reads the document there (catalog.filters).

The GIN index of migration 0002 (on the expression ``to_tsvector('simple',
search_document)``) is replaced by one on the stored column: the planner has statistics
on a column, so it can tell a word in 27% of the books from one in 5.

``catalog_book_listed_title_idx`` is ``(title, id)`` of the books in the catalog only
(``withdrawn_at IS NULL``, R28): the list's page query (catalog.selectors.book_page) walks
it to a page's ids without reading the table (an index-only scan). Plain SQL, so SQLite
gets it too.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import migrations

from catalog.models import compose_search_document, isbn_forms

TRIGGER_SQL = r"""
CREATE FUNCTION catalog_book_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    document text := coalesce(NEW.search_document, '');
BEGIN
    IF strpos(document, E'\x1f') > 0 THEN
        NEW.search_vector :=
            setweight(to_tsvector('simple', split_part(document, E'\x1f', 1)), 'A')
            || setweight(to_tsvector('simple', split_part(document, E'\x1f', 2)), 'B')
            || setweight(to_tsvector('simple', split_part(document, E'\x1f', 3)), 'D');
    ELSE
        NEW.search_vector :=
            setweight(to_tsvector('simple', split_part(document, E'\n', 1)), 'A')
            || setweight(to_tsvector('simple', document), 'D');
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER catalog_book_search_vector
    BEFORE INSERT OR UPDATE OF search_document ON catalog_book
    FOR EACH ROW EXECUTE FUNCTION catalog_book_search_vector();
"""
DROP_TRIGGER_SQL = """
DROP TRIGGER IF EXISTS catalog_book_search_vector ON catalog_book;
DROP FUNCTION IF EXISTS catalog_book_search_vector();
"""
OLD_INDEX = "catalog_book_search_gin"
NEW_INDEX = "catalog_book_search_vector_gin"


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER_SQL)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER_SQL)


def recompose_search_documents(apps, schema_editor):
    """Lay every document out in sections; on PostgreSQL the trigger fills the vectors."""
    Book = apps.get_model("catalog", "Book")
    books = Book.objects.using(schema_editor.connection.alias)
    batch = []
    for book in books.prefetch_related("authors__user").order_by("pk").iterator(chunk_size=2_000):
        names = []
        for author in book.authors.all():
            names += [author.user.first_name, author.user.last_name, author.user.username]
        book.search_document = compose_search_document(
            title=book.title,
            names=names,
            isbns=sorted(isbn_forms(book.isbn)) or [book.isbn],
            description=book.description,
        )
        batch.append(book)
        if len(batch) == 2_000:
            books.bulk_update(batch, ["search_document"])
            batch = []
    books.bulk_update(batch, ["search_document"])


def swap_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")
        schema_editor.execute(f"CREATE INDEX {NEW_INDEX} ON catalog_book USING gin (search_vector)")


def restore_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NEW_INDEX}")
        schema_editor.execute(
            f"CREATE INDEX {OLD_INDEX} ON catalog_book USING gin (to_tsvector('simple'::regconfig, search_document))"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("catalog", "0004_book_withdrawn_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="book",
            name="search_vector",
            field=SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(create_trigger, drop_trigger),
        migrations.RunPython(recompose_search_documents, migrations.RunPython.noop),
        migrations.RunPython(swap_search_indexes, restore_search_indexes),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS catalog_book_listed_title_idx ON catalog_book (title, id) "
            "WHERE withdrawn_at IS NULL",
            "DROP INDEX IF EXISTS catalog_book_listed_title_idx",
        ),
    ]
