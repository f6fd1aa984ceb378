"""The catalog's port to lending: what it asks of the app that lends its books.

The catalog lists, shows and edits books; who holds a unit and who waits for one is the
lending app's (``reservations``, a layer above, which imports the catalog). The catalog
asks it through this port, and settings name the module that answers
(``CATALOG_LENDING = "reservations.catalog_lending"``), as ``AUTH_USER_MODEL`` names the
user model: settings are the one place where the two meet going upward.
"""

from datetime import datetime
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.db.models import Expression

if TYPE_CHECKING:
    from .models import Book


class Lending(Protocol):
    def availability(self, now: datetime) -> dict[str, Expression]:
        """Per-book expressions of ``available_units`` and ``queue_length`` at `now` (R9, R12, R16)."""

    def next_release(self, now: datetime) -> Expression:
        """A per-book expression of when its first loan running at `now` ends, or NULL (R16)."""

    def set_book_units(self, *, book: "Book", units: int, now: datetime | None = None) -> "Book":
        """Change how many units `book` owns; raised units serve its queue (R13)."""

    def delete_book(self, *, book: "Book", now: datetime | None = None) -> bool:
        """Delete `book`, or withdraw it if it was ever lent; False when withdrawn (R28)."""

    def expected_between(self, *, book: "Book", now: datetime) -> dict[str, tuple[datetime, datetime] | None] | None:
        """When a unit should come to a new ``plus`` and ``premium`` request; None while one is free (R31)."""


@cache
def lending() -> Lending:
    """The module settings.CATALOG_LENDING names, imported once."""
    return import_module(settings.CATALOG_LENDING)
