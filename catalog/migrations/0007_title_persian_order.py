"""Titles in Persian order (R40): ICU's Persian collation on the title (a collation named
``persian``, a name SQLite's SQL takes too), and search documents
folded again now that the zero-width non-joiner joins a word instead of splitting it.

PostgreSQL cannot change the type of a column that a trigger names (``UPDATE OF title`` in
migration 0006), so that trigger is dropped around the change and made again; the title
indexes (0003's and 0005's) are rebuilt in the new order by the change itself. On SQLite
the collation is catalog.collation's, registered on each connection (catalog.apps).
"""

from django.db import migrations, models

from catalog.models import compose_search_document, isbn_forms

ORDER_TRIGGER = "catalog_order_changed"
CREATE_ORDER_TRIGGER = f"""
CREATE TRIGGER {ORDER_TRIGGER}
    AFTER INSERT OR DELETE OR UPDATE OF title, withdrawn_at ON catalog_book
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_order_changed();
"""
DROP_ORDER_TRIGGER = f"DROP TRIGGER IF EXISTS {ORDER_TRIGGER} ON catalog_book;"


def create_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE COLLATION IF NOT EXISTS persian (provider = icu, locale = 'fa-IR')")


def drop_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP COLLATION IF EXISTS persian")


def drop_order_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_ORDER_TRIGGER)


def create_order_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_ORDER_TRIGGER)


def refold_search_documents(apps, schema_editor):
    """Every book's search document made again with today's folding (compose_search_document)."""
    Book = apps.get_model("catalog", "Book")
    books = Book.objects.using(schema_editor.connection.alias).prefetch_related("authors__user").order_by("pk")
    batch = []
    for book in books.iterator(chunk_size=2000):
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
        if len(batch) == 2000:
            Book.objects.using(schema_editor.connection.alias).bulk_update(batch, ["search_document"])
            batch = []
    if batch:
        Book.objects.using(schema_editor.connection.alias).bulk_update(batch, ["search_document"])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_book_order_version")]

    operations = [
        migrations.RunPython(create_collation, drop_collation),
        migrations.RunPython(drop_order_trigger, create_order_trigger),
        migrations.AlterField(
            model_name="book",
            name="title",
            field=models.CharField(db_collation="persian", max_length=300),
        ),
        migrations.RunPython(create_order_trigger, drop_order_trigger),
        migrations.RunPython(refold_search_documents, migrations.RunPython.noop),
    ]
