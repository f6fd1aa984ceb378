"""The README's "Where each rule lives" table against the code and SPEC (issue 20, item 4).

Each row names a rule of SPEC (R1…) and its homes as dotted paths in backticks, or says
``not built yet (issue N)``. The tests fail when a path no longer resolves, when a rule
of SPEC has no row or two, and when a home's docstring does not say ``Implements R<n>.``
for the rules of its row.
"""

import importlib
import inspect
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

# The number of rules in SPEC, for a clone without the SPEC file next to it.
SPEC_RULES = 40

# Homes whose docstring may not say "Implements R<n>." yet (none now): a name here is
# still resolved, and must still stand in the table.
PENDING_DOCSTRINGS: set[str] = set()

DOTTED_PATH = re.compile(r"`([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)`")
NOT_BUILT = re.compile(r"^not built yet \(issue \d+\)$")
RULE = re.compile(r"\bR(\d+)\b")
IMPLEMENTS = re.compile(r"Implements (R\d+(?:(?:, | and )R\d+)*)")


def spec_path() -> Path | None:
    """SPEC from ``BOOKSTORE_SPEC``, else ``../shared/SPEC.md`` beside the repository, else None."""
    if os.environ.get("BOOKSTORE_SPEC"):
        return Path(os.environ["BOOKSTORE_SPEC"])
    beside = ROOT.parent / "shared" / "SPEC.md"
    return beside if beside.exists() else None


def spec_rules(path: Path) -> list[int]:
    """The numbers of the rules SPEC states: its lines that begin ``- R<n>``."""
    return [int(number) for number in re.findall(r"^- R(\d+)\b", path.read_text(), re.MULTILINE)]


def rule_table() -> list[tuple[list[int], str]]:
    """The table's rows as (rule numbers, where column)."""
    section = README.read_text().split("### Where each rule lives", 1)[1]
    rows = []
    for line in section.split("\n\n", 2)[1].splitlines():  # the table: the block after the heading
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] in ("rule", "---"):
            continue
        rule, where = cells
        rows.append(([int(number) for number in RULE.findall(rule)], where))
    return rows


def resolve(dotted: str) -> object:
    """Import the longest importable module prefix of `dotted`, then getattr the rest."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            found = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if not (module_name == error.name or module_name.startswith(f"{error.name}.")):
                raise  # the module exists but imports something missing
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    raise ModuleNotFoundError(dotted)


def implemented_rules(docstring: str | None) -> set[int]:
    """The rules named by the docstring's "Implements R2 and R3." sentences."""
    return {int(number) for claim in IMPLEMENTS.findall(docstring or "") for number in RULE.findall(claim)}


def test_the_table_is_found_and_each_row_names_a_home_or_says_not_built():
    rows = rule_table()
    assert rows
    homeless = [where for _, where in rows if not DOTTED_PATH.search(where) and not NOT_BUILT.match(where)]
    assert homeless == []
    not_built_with_path = [where for _, where in rows if where.startswith("not built") and DOTTED_PATH.search(where)]
    assert not_built_with_path == []


def test_every_dotted_path_in_the_table_resolves():
    unresolved = []
    for _, where in rule_table():
        for dotted in DOTTED_PATH.findall(where):
            try:
                resolve(dotted)
            except (ImportError, AttributeError) as error:
                unresolved.append(f"{dotted}: {error}")
    assert unresolved == []


def test_the_table_covers_each_rule_of_spec_once():
    path = spec_path()
    highest = max(spec_rules(path)) if path else SPEC_RULES
    covered = sorted(number for numbers, _ in rule_table() for number in numbers)
    assert covered == list(range(1, highest + 1))


def test_spec_rules_is_the_number_of_rules_in_spec():
    path = spec_path()
    if path is None:
        pytest.skip("no SPEC beside the repository and BOOKSTORE_SPEC unset")
    assert len(spec_rules(path)) == SPEC_RULES


def test_each_home_says_which_rules_it_implements():
    missing = []
    named = set()
    for numbers, where in rule_table():
        for dotted in DOTTED_PATH.findall(where):
            named.add(dotted)
            home = resolve(dotted)
            if dotted in PENDING_DOCSTRINGS or not (inspect.isclass(home) or inspect.isroutine(home)):
                continue  # constants and settings carry no docstring of their own
            lacking = set(numbers) - implemented_rules(home.__doc__)
            if lacking:
                missing.append(f"{dotted}: Implements {', '.join(f'R{n}' for n in sorted(lacking))}")
    assert missing == []
    assert PENDING_DOCSTRINGS - named == set(), "a pending home is no longer in the table"


def test_the_docstring_reader_reads_lists_of_rules():
    assert implemented_rules("Say so.\n\nImplements R2 and R3.") == {2, 3}
    assert implemented_rules("Implements R1, R8, R9, R10 and R12.") == {1, 8, 9, 10, 12}
    assert implemented_rules("Implements R9 and R13's start: a unit comes back.") == {9, 13}
    assert implemented_rules("A rule (R13).") == set()
