from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class WishlistConfig(AppConfig):
    name = "wishlist"
    verbose_name = gettext_lazy("Wishlist")
