"""Create the database cache table, whichever cache this process is configured with.

Rate-limit counters (R21) live in the cache; without Redis they live in this table. It is
made even when Redis is configured, because another process of the same site (a worker
started without REDIS_URL, say) may fall back to it.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "django_cache"  # settings.CACHES LOCATION of the database cache


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_smsdevice")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
