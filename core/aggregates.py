"""An aggregate of JSON values into one JSON array, on PostgreSQL and SQLite alike.

Django has ``django.contrib.postgres.aggregates.JSONBAgg`` for PostgreSQL only; the
embedded default runs on SQLite, whose ``json_group_array`` does the same. The array's
order is the database's (neither aggregate is given an ``ORDER BY`` here): sort it after
reading when the order matters.
"""

from django.db.models import Aggregate, JSONField


class JSONArrayAgg(Aggregate):
    """``JSONB_AGG(expression)`` on PostgreSQL, ``JSON_GROUP_ARRAY(expression)`` elsewhere: a list."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra_context)
