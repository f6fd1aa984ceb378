"""Claims for the charges made before claims existed (R17).

A charge credited with an Idempotency-Key before this release has a ledger row and no
``GatewayCharge``. Without one, a late repeat of that key would win a fresh claim and call
the gateway again; with it, the repeat answers the first result as it always did.
"""

from django.db import migrations

BATCH = 1_000


def backfill(apps, schema_editor):
    WalletTransaction = apps.get_model("billing", "WalletTransaction")
    GatewayCharge = apps.get_model("billing", "GatewayCharge")
    credits = WalletTransaction.objects.filter(kind="charge", idempotency_key__isnull=False, gateway_charge__isnull=True)
    batch = []
    for entry in credits.order_by("pk").iterator(chunk_size=BATCH):
        batch.append(
            GatewayCharge(
                customer_id=entry.customer_id,
                idempotency_key=entry.idempotency_key,
                amount=entry.amount,
                status="approved",
                attempts=1,
                attempted_at=entry.created_at,
                gateway_reference=entry.reference.removeprefix("Gateway ")[:200],
                transaction_id=entry.pk,
                created_at=entry.created_at,
                updated_at=entry.created_at,
            )
        )
        if len(batch) == BATCH:
            GatewayCharge.objects.bulk_create(batch)
            batch = []
    GatewayCharge.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_gatewaycharge"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
