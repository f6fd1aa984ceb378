"""One way to change some fields of a row a service was asked to change (R23, R27)."""

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from django.db import models


def set_fields(
    instance: models.Model, changes: Mapping[str, Any], *, allowed: Collection[str], exclude: Iterable[str] = ()
) -> list[str]:
    """Set `changes` on `instance` and check the whole row; return the names to save.

    A field not in `allowed` is a ValueError: callers pass only what their page or
    endpoint offers, so another field is a programming error, never user input. The row
    is checked with ``full_clean`` (leaving out `exclude`, fields a service checks
    itself), and the caller saves with ``update_fields`` set to the names returned: the
    instance may have been read without a lock, and a full save would also write what
    it read of the other fields (R27). No changes return ``[]`` and check nothing.
    """
    if unknown := set(changes) - set(allowed):
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    if not changes:
        return []
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.full_clean(exclude=[*exclude])
    return [*changes]
