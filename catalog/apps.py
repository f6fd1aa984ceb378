from django.apps import AppConfig
from django.db.backends.signals import connection_created

from .collation import register_sqlite_collation


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self) -> None:
        # SQLite learns the title collation that PostgreSQL has from ICU (catalog.collation).
        connection_created.connect(register_sqlite_collation, dispatch_uid="catalog_title_collation")
