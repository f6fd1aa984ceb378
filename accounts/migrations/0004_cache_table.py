"""Create the database cache table when the database cache is configured (embedded default).

Rate-limit counters (R21) live in the cache; without Redis they live in this table, so
`migrate` alone prepares a working system.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_smsdevice")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
