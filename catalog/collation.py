"""The order of book titles: Persian first, in the Persian alphabet, then Latin (R40).

On PostgreSQL the title column uses the collation ``persian``, made by migration 0007 from
ICU's ``fa-IR`` (CLDR's order: Arabic script before Latin, پ after ب, چ after ج, ژ after
ز, گ after ک, Latin letters in any case together). SQLite (the embedded default) knows no
ICU collation, so a collation of that name is registered on each of its connections: the Persian alphabet's
order, Arabic letter forms with their Persian twins, then everything else by its
case-folded code points. It is a fallback for small catalogs, not ICU: PostgreSQL is the
reference for the order.
"""

from functools import cmp_to_key

TITLE_COLLATION = "persian"

# The Persian alphabet in order; Arabic forms sort with the Persian letter they fold to.
_ALPHABET = "ءآاٱأإبپتثجچحخدذرزژسشصضطظعغفقکگلمنوؤهةۀیيىئ"
_RANK = {letter: rank for rank, letter in enumerate(_ALPHABET)}
_RANK |= {"ٱ": _RANK["ا"], "أ": _RANK["ا"], "إ": _RANK["ا"], "ك": _RANK["ک"], "ؤ": _RANK["و"]}
_RANK |= {"ة": _RANK["ه"], "ۀ": _RANK["ه"], "ي": _RANK["ی"], "ى": _RANK["ی"], "ئ": _RANK["ی"]}
_IGNORED = {"\u200c", "\u200d", "\u200e", "\u200f", "\u0640", *map(chr, range(0x064B, 0x0653)), "\u0670"}


def _key(text: str) -> tuple:
    letters = [char for char in text if char not in _IGNORED]
    return (
        tuple((0, _RANK[char]) if char in _RANK else (1, ord(char.casefold()[0])) for char in letters),
        text,  # ties (case, joiners) broken by the text itself, so the order is total
    )


def compare_titles(left: str, right: str) -> int:
    """SQLite's collation callback: negative, zero or positive as `left` sorts before `right`.

    Implements R40's Persian order of titles where ICU is not there (PostgreSQL has it).
    """
    a, b = _key(left), _key(right)
    return (a > b) - (a < b)


title_sort_key = cmp_to_key(compare_titles)


def register_sqlite_collation(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: give each SQLite connection the title collation."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(TITLE_COLLATION, compare_titles)
