from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class WishlistConfig(AppConfig):
    name = "wishlist"
    verbose_name = gettext_lazy("Wishlist")

    def ready(self) -> None:
        from catalog.signals import stock_raised, stock_ran_out, units_ran_out
        from reservations.signals import unit_left_free

        from .alerts import on_stock_raised, on_stock_ran_out, on_unit_left_free, on_units_ran_out

        # Lending and the catalog cannot import the wishlist: they say what happened (R38).
        unit_left_free.connect(on_unit_left_free, dispatch_uid="wishlist_unit_left_free")
        units_ran_out.connect(on_units_ran_out, dispatch_uid="wishlist_units_ran_out")
        stock_raised.connect(on_stock_raised, dispatch_uid="wishlist_stock_raised")
        stock_ran_out.connect(on_stock_ran_out, dispatch_uid="wishlist_stock_ran_out")
