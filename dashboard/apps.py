from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The admin dashboard (SPEC section 5): loans, revenue and queues per day, drawn as SVG.

    It reads the feature apps' models and is imported by none of them.
    """

    name = "dashboard"
