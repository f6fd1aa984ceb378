from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data (`manage.py seed_demo`, SPEC section 2), made by the feature apps' services.

    It reads and writes the feature apps through their services and is imported by none of them.
    """

    name = "demo"
