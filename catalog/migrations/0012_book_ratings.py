"""R37: a book's visible reviews counted and summed, the stored average, and the index the
catalog sorts by rating with (``ordering=-rating``: the average, then the count, then title).

The average is a stored generated column, so no writer can let it drift from the count and sum.
"""

import django.db.models.expressions
import django.db.models.functions.comparison
import core.indexes
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_shop_and_channels"),
        ("catalog", "0011_book_stock"),
    ]

    operations = [
        migrations.AddField(
            model_name="book",
            name="rating_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="reviews"),
        ),
        migrations.AddField(
            model_name="book",
            name="rating_sum",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="sum of ratings"),
        ),
        migrations.AddField(
            model_name="book",
            name="rating_average",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Case(
                    models.When(
                        rating_count__gt=0,
                        then=django.db.models.expressions.CombinedExpression(
                            django.db.models.functions.comparison.Cast("rating_sum", models.FloatField()),
                            "/",
                            django.db.models.functions.comparison.Cast("rating_count", models.FloatField()),
                        ),
                    ),
                    default=None,
                ),
                output_field=models.FloatField(null=True),
                verbose_name="average rating",
            ),
        ),
        migrations.AddIndex(
            model_name="book",
            index=core.indexes.PortableIndex(
                models.OrderBy(models.F("rating_average"), descending=True, nulls_last=True),
                models.OrderBy(models.F("rating_count"), descending=True),
                models.F("title"),
                models.F("id"),
                condition=models.Q(("withdrawn_at__isnull", True)),
                name="book_rating_order_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="book",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("rating_sum__gte", models.F("rating_count")),
                    (
                        "rating_sum__lte",
                        django.db.models.expressions.CombinedExpression(models.F("rating_count"), "*", models.Value(5)),
                    ),
                ),
                name="book_ratings_in_range",
            ),
        ),
    ]
