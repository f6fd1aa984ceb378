from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ReservationsConfig(AppConfig):
    name = "reservations"
    verbose_name = gettext_lazy("Reservations")
