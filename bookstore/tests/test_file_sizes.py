"""No source file outside migrations and data modules exceeds 400 lines (issue 20).

A module that grows past it holds more than one thing: split it by what it holds
(docs/architecture.md). Data modules are plain values and may be as long as their data.
"""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
MAX_LINES = 400
DATA_MODULES = {"demo/data.py"}
LEFT_OUT = {".venv", "var", "node_modules", "migrations", ".git"}


def source_files() -> list[Path]:
    return [
        path
        for path in BASE_DIR.rglob("*.py")
        if not LEFT_OUT & set(path.relative_to(BASE_DIR).parts)
        and path.relative_to(BASE_DIR).as_posix() not in DATA_MODULES
    ]


def test_the_walk_sees_the_apps_tests_and_bench():
    names = {path.relative_to(BASE_DIR).as_posix() for path in source_files()}
    assert {"manage.py", "reservations/services.py", "bench/bench.py", "bookstore/tests/test_file_sizes.py"} <= names
    assert not any("/migrations/" in name for name in names)


def test_no_source_file_exceeds_400_lines():
    too_long = {
        path.relative_to(BASE_DIR).as_posix(): lines
        for path in source_files()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}
