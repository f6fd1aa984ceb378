from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app shares: the error body and handler (R26), pagination, OpenAPI error
    responses, page decorators, formatting, compiled queries and the transaction helper.

    It has no models and imports no app of this project: every app may import it.
    """

    name = "core"

    def ready(self) -> None:
        from .datetimes import connect

        connect()
