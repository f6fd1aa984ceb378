"""A counter of changes to the catalog's order, for the seek of deep list pages (PostgreSQL only).

``catalog_order_version`` holds one number that a statement-level trigger raises after every
statement that adds, deletes or withdraws books or writes a title (``INSERT``, ``DELETE``,
``TRUNCATE``, ``UPDATE OF title, withdrawn_at``), whoever runs it: the services, the admin
site, bulk loads, a ``QuerySet.update()``. ``catalog.selectors._listed_ids`` keeps, per
process, the ``(title, id)`` of every 1,000th book of the catalog's order under the number it
read; while the number stands they are still every 1,000th, so a deep page seeks the index
from the nearest one instead of walking all the entries before it. A change to units or to
the loans does not touch the order and leaves the number alone.

SQLite (the embedded default, small catalogs) has no such table: its pages walk the index.
"""

from django.db import migrations

CREATE_SQL = """
CREATE TABLE catalog_order_version (id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL);
INSERT INTO catalog_order_version (id, version) VALUES (1, 0);
CREATE FUNCTION catalog_order_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_order_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER catalog_order_changed
    AFTER INSERT OR DELETE OR UPDATE OF title, withdrawn_at ON catalog_book
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_order_changed();
CREATE TRIGGER catalog_order_truncated
    AFTER TRUNCATE ON catalog_book
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_order_changed();
"""
DROP_SQL = """
DROP TRIGGER IF EXISTS catalog_order_truncated ON catalog_book;
DROP TRIGGER IF EXISTS catalog_order_changed ON catalog_book;
DROP FUNCTION IF EXISTS catalog_order_changed();
DROP TABLE IF EXISTS catalog_order_version;
"""


def create_order_version(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_SQL)


def drop_order_version(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_book_search_vector")]

    operations = [migrations.RunPython(create_order_version, drop_order_version)]
