from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = gettext_lazy("Shop")
