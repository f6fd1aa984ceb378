from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy


class ReservationsConfig(AppConfig):
    name = "reservations"
    verbose_name = gettext_lazy("Reservations")

    def ready(self) -> None:
        from billing.signals import wallet_debited

        from .demand import register_sqlite_median
        from .head_warning import on_wallet_debited

        # SQLite learns the median that PostgreSQL has as percentile_cont (R33's wait).
        connection_created.connect(register_sqlite_median, dispatch_uid="reservations_sqlite_median")
        # A debit may leave a customer first in a queue unable to pay (R32): billing says so.
        wallet_debited.connect(on_wallet_debited, dispatch_uid="reservations_wallet_short")
