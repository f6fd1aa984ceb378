from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = gettext_lazy("Accounts")

    def ready(self) -> None:
        # Registers the drf-spectacular extension for our JWT authentication class.
        from . import authentication  # noqa: F401
