from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        # Registers the drf-spectacular extension for our JWT authentication class.
        from . import authentication  # noqa: F401
