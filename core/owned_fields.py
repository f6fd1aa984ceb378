"""Fields that only their owning service writes: a stale save leaves them alone (R27).

A counter, a balance, a subscription, a revocation stamp or an active flag is kept by a
service under a row lock. Any other writer — the admin site's change form, a profile
edit, a DRF serializer, a ``ModelForm`` — loads the row without that lock and saves it
whole, which would write back the values it read, undoing whatever the service did
meanwhile (an admin re-saving a book put its units on loan back to a stale number).

So the model says which fields are owned, and ``save()`` of an existing row writes
them only when they are named:

- ``save()`` with no ``update_fields`` writes every loaded field *except* the owned
  ones, unless the instance marked them with ``mark_owned_changed`` (as
  ``User.set_password`` does, so Django's password forms keep working);
- ``save(update_fields=[...])`` writes what it names, owned fields included: naming
  one is the owning service saying it holds the lock (``customer.save(update_fields=
  ["balance"])`` in the wallet service).

An insert writes every field: a new row has no concurrent writer to undo. Writes
through ``QuerySet.update()`` are explicit by nature and bypass ``save()``.
``tests`` walk every model with owned fields and prove a stale full save writes none.
"""

from typing import ClassVar

from django.apps import apps
from django.db import models


class ServiceOwnedFields(models.Model):
    """A model whose ``service_owned_fields`` a generic full save never writes back. Implements R27."""

    service_owned_fields: ClassVar[frozenset[str]] = frozenset()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        marked = self.__dict__.pop("_owned_changed", set())
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            left_out = (self.service_owned_fields - marked) | self.get_deferred_fields()
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in left_out and field.attname not in left_out
            ]
        super().save(*args, **kwargs)

    def mark_owned_changed(self, *names: str) -> None:
        """Let the next full save write these owned fields (their owner just set them)."""
        unknown = set(names) - self.service_owned_fields
        if unknown:
            raise ValueError(f"Not service-owned fields of {type(self).__name__}: {sorted(unknown)}")
        self.__dict__.setdefault("_owned_changed", set()).update(names)


def models_with_owned_fields() -> list[type[ServiceOwnedFields]]:
    """Every installed model that declares service-owned fields (for the tests and docs)."""
    return [
        model for model in apps.get_models() if issubclass(model, ServiceOwnedFields) and model.service_owned_fields
    ]
