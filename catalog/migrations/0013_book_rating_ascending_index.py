"""R37: an index for ordering=rating too (the average ascending, unrated last, then the count), so neither order sorts."""

import core.indexes
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_shop_and_channels"),
        ("catalog", "0012_book_ratings"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="book",
            index=core.indexes.PortableIndex(
                models.OrderBy(models.F("rating_average"), nulls_last=True),
                models.OrderBy(models.F("rating_count"), descending=True),
                models.F("title"),
                models.F("id"),
                condition=models.Q(("withdrawn_at__isnull", True)),
                name="book_rating_asc_idx",
            ),
        ),
    ]
