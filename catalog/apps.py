from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_save, pre_save
from django.utils.translation import gettext_lazy
from easy_thumbnails import signal_handlers

from .collation import register_sqlite_collation


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = gettext_lazy("Catalog")

    def ready(self) -> None:
        # SQLite learns the title collation that PostgreSQL has from ICU (catalog.collation).
        connection_created.connect(register_sqlite_collation, dispatch_uid="catalog_title_collation")
        # easy-thumbnails listens to every save of every model, to announce newly saved files
        # (its saved_file signal, which nothing here uses: catalog.cover_services makes the
        # thumbnails itself). Its receivers would run on each reservation and ledger write, and
        # those are compiled writes that must have none (core.compiled): take them off.
        pre_save.disconnect(signal_handlers.find_uncommitted_filefields)
        post_save.disconnect(signal_handlers.signal_committed_filefields)
