"""An index whose ``NULLS LAST`` / ``NULLS FIRST`` is PostgreSQL's only.

SQLite (the embedded default) cannot put ``NULLS LAST`` in ``CREATE INDEX`` ("unsupported
use of NULLS LAST"), though it sorts by it in queries. ``PortableIndex`` keeps the order
as written on PostgreSQL, where the planner walks it, and leaves the nulls' place to each
column's default on other databases, where the index only has to exist.
"""

from django.db import models
from django.db.models import OrderBy


class PortableIndex(models.Index):
    """``models.Index`` that drops the nulls' placement of its expressions off PostgreSQL."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "postgresql" or not self.expressions:
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        portable = self.clone()
        portable.expressions = tuple(
            OrderBy(expression.expression, descending=expression.descending)
            if isinstance(expression, OrderBy)
            else expression
            for expression in self.expressions
        )
        return super(PortableIndex, portable).create_sql(model, schema_editor, using=using, **kwargs)
