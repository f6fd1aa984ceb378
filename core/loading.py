"""Model instances read from the database made without ``Model.__init__`` (issue 15).

Django makes each row's instance with ``cls(*values)``: ``__init__`` walks every concrete
field, sends ``pre_init`` and ``post_init`` and sets each value through its descriptor.
For a page of 20 books that is 80 instances (the books, their genres, authors and users)
and a tenth of the request's CPU. :class:`LoadedQuickly` makes them as Django unpickles
one instead: ``__new__``, a fresh ``_state`` (``adding`` False, ``db`` the database),
the row's values in ``__dict__``; a field not given is absent from ``__dict__``, which is
what Django calls deferred (``get_deferred_fields``), read on first use.

The result is the instance ``from_db`` makes, since ``__init__`` does nothing else for a
row: each field's descriptor stores the value under its ``attname`` in ``__dict__``
(foreign keys' ``_id``, files' names, which the file descriptor wraps on first read). Not
for a model with its own ``__init__``; a model anyone listens to on ``pre_init`` or
``post_init`` (an ``ImageField`` with ``width_field``, a test's receiver) goes through
Django's ``from_db``, so the signals are sent. ``core/tests/test_loading.py`` compares
both ways field by field.
"""

from django.db import models
from django.db.models import signals
from django.db.models.base import DEFERRED, ModelState

_attnames: dict[type, tuple[str, ...]] = {}


def _heard(model: type[models.Model]) -> bool:
    """Whether anything listens to `model`'s ``pre_init`` or ``post_init`` (empty lists: a quick no)."""
    return bool(
        (signals.pre_init.receivers and signals.pre_init.has_listeners(model))
        or (signals.post_init.receivers and signals.post_init.has_listeners(model))
    )


class LoadedQuickly:
    """A model mixin: ``from_db`` makes the instance without ``__init__`` (see the module)."""

    @classmethod
    def from_db(cls, db, field_names, values):
        if _heard(cls):
            return super().from_db(db, field_names, values)
        if field_names is None:
            field_names = _attnames.get(cls)
            if field_names is None:
                field_names = _attnames[cls] = tuple(field.attname for field in cls._meta.concrete_fields)
        instance = cls.__new__(cls)
        state = instance._state = ModelState()
        state.db, state.adding = db, False
        if DEFERRED in values:
            instance.__dict__.update(
                (name, value) for name, value in zip(field_names, values, strict=True) if value is not DEFERRED
            )
        else:
            instance.__dict__.update(zip(field_names, values, strict=True))
        return instance
