"""The apps import downward only (issue 20): core, accounts, billing, catalog, reservations,
shop, reviews, wishlist, demo, dashboard, then the project package that composes them (README "Architecture").
The catalog asks lending (reservations) through a port whose module settings name
(``catalog.lending``), as the issue allows: settings and URLs compose upward, nothing else.

Read from the source with ``ast``, every import, inside functions too (an import hidden in a
function to dodge a cycle is still an upward dependency). Tests and migrations are left out:
a test may set up any app's rows.
"""

import ast
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
LAYERS = [
    *["core", "accounts", "billing", "catalog", "reservations"],
    *["shop", "reviews", "wishlist", "demo", "dashboard", "bookstore"],
]
RANK = {app: rank for rank, app in enumerate(LAYERS)}


def imported_apps(source: str, app: str) -> set[str]:
    """The modules of other LAYERS apps that `source`, a module of `app`, imports anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name for name in names if name.split(".")[0] in RANK and name.split(".")[0] != app}
    return found


def project_imports() -> set[tuple[str, str]]:
    """(module, imported module) for every import of one of LAYERS' apps by another app."""
    found = set()
    for app in LAYERS:
        for path in (BASE_DIR / app).rglob("*.py"):
            relative = path.relative_to(BASE_DIR)
            if "tests" in relative.parts or "migrations" in relative.parts:
                continue
            module = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
            found |= {(module, name) for name in imported_apps(path.read_text(), app)}
    return found


def upward(imports: set[tuple[str, str]]) -> set[tuple[str, str]]:
    return {(a, b) for a, b in imports if RANK[b.split(".")[0]] > RANK[a.split(".")[0]]}


def test_the_reader_sees_imports_inside_functions_and_relative_ones_stay_in_their_app():
    source = """
import catalog.models
from . import services
from .models import Customer
from django.db import models


def close(user):
    from reservations.models import Reservation
"""
    assert imported_apps(source, "accounts") == {"catalog.models", "reservations.models"}
    assert imported_apps(source, "catalog") == {"reservations.models"}
    assert ("bookstore.urls", "dashboard.views") in project_imports()


def test_core_imports_no_app_and_no_feature_app_imports_the_dashboard_or_the_project():
    imports = project_imports()
    assert {(a, b) for a, b in imports if a.split(".")[0] == "core"} == set()
    top = ("dashboard", "bookstore")
    assert {(a, b) for a, b in imports if b.split(".")[0] in top and a.split(".")[0] != "bookstore"} == set()


def test_every_other_import_points_down():
    assert upward(project_imports()) == set()


def test_the_catalog_reaches_lending_only_through_the_module_settings_name_and_it_answers_the_port():
    import inspect

    from django.conf import settings

    from catalog.lending import Lending, lending

    assert settings.CATALOG_LENDING == "reservations.catalog_lending"
    answers = lending()
    assert answers.__name__ == settings.CATALOG_LENDING
    for name, wanted in inspect.getmembers(Lending, inspect.isfunction):
        if name.startswith("_"):
            continue
        given = inspect.signature(getattr(answers, name))
        assert list(given.parameters) == list(inspect.signature(wanted).parameters)[1:], name
