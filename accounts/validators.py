"""Checks on identities: a username's letters come from one script (issue 14, item 5).

``rооt`` with a Cyrillic ``о`` looks like ``root`` and is another name to the database.
The rule is UTS #39's "highly restrictive" level: the letters of a username come from
one script (Latin, Arabic as Persian writes it, Greek, Cyrillic, Hebrew, …), except for
the mixes that Chinese, Japanese and Korean writing needs, each of which may add Latin.
Digits count with their script: ASCII digits go with any script, Persian ``۱۲۳`` only
with Arabic-script letters (``user۱`` would pass for ``user1``), and one name uses one kind
of digits (Persian ``۱`` and Arabic-Indic ``١`` look alike). Underscore, ``.``, ``@``,
``+`` and ``-`` go with any script.

Python's ``unicodedata`` names every character with its script first (``CYRILLIC
SMALL LETTER O``), which is all this needs; the ``confusable_homoglyphs`` package would
add a dependency (and a frozen copy of the Unicode data) for the same answer. Whole-script
look-alikes (an all-Cyrillic ``асе`` for ``ace``) and the Arabic and Persian forms of
one letter (``ي`` and ``ی``) need UTS #39 skeletons and are not caught here.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# UTS #39 section 5.2, "highly restrictive": the script sets one name may mix.
ALLOWED_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
# First words of character names that are not a script's name.
NAME_WORD_SCRIPTS = {"CJK": "HAN", "IDEOGRAPHIC": "HAN", "MODIFIER": None, "KATAKANA-HIRAGANA": None}
DIGIT_SCRIPTS = {"": None, "ARABIC-INDIC": "ARABIC", "EXTENDED ARABIC-INDIC": "ARABIC"}
# The scripts a refusal names, in the page's language (R40); any other is named as Unicode names it.
SCRIPT_NAMES = {
    "LATIN": gettext_lazy("Latin"),
    "ARABIC": gettext_lazy("Arabic"),
    "CYRILLIC": gettext_lazy("Cyrillic"),
    "GREEK": gettext_lazy("Greek"),
    "HEBREW": gettext_lazy("Hebrew"),
    "ARMENIAN": gettext_lazy("Armenian"),
    "GEORGIAN": gettext_lazy("Georgian"),
    "HAN": gettext_lazy("Han"),
    "HIRAGANA": gettext_lazy("Hiragana"),
    "KATAKANA": gettext_lazy("Katakana"),
    "HANGUL": gettext_lazy("Hangul"),
    "DEVANAGARI": gettext_lazy("Devanagari"),
    "THAI": gettext_lazy("Thai"),
}


def script_of(character: str) -> str | None:
    """The script of a letter or digit, from its Unicode name; None for any other character.

    ASCII digits and the few letters every script shares (``ー``) answer None too.
    """
    category = unicodedata.category(character)
    if not (category.startswith("L") or category == "Nd"):
        return None
    name = unicodedata.name(character, "UNNAMED")
    if category == "Nd":
        prefix = name.partition("DIGIT")[0].strip()
        return DIGIT_SCRIPTS.get(prefix, prefix.split(" ")[0])
    first_word = name.split(" ")[0]
    return NAME_WORD_SCRIPTS.get(first_word, first_word)


def scripts_of(text: str) -> set[str]:
    return {script for character in text if (script := script_of(character))}


def validate_one_script(value: str) -> None:
    """Refuse a username whose letters come from more than one script, or digits of two kinds."""
    if not isinstance(value, str):
        return
    text = unicodedata.normalize("NFKC", value)
    scripts = scripts_of(text)
    if len(scripts) > 1 and not any(scripts <= allowed for allowed in ALLOWED_MIXES):
        # In the order of the Unicode names, as before: the English text stays as it was.
        names = _(" and ").join(str(SCRIPT_NAMES.get(script, script.title())) for script in sorted(scripts))
        raise ValidationError(
            _(
                "Write the username in one script: it mixes %(scripts)s characters, which can make it look "
                "like someone else's."
            ),
            code="mixed_script",
            params={"scripts": names},
        )
    zeros = {ord(character) - unicodedata.decimal(character) for character in text if character.isdecimal()}
    if len(zeros) > 1:
        raise ValidationError(
            _("Use one kind of digits: this username mixes digits of two numbering systems."), code="mixed_digits"
        )
