"""R40: every text a template shows goes through translation, and Persian has all of them.

Three checks:
- no template shows English outside ``{% translate %}`` / ``{% blocktranslate %}`` (text
  between tags and the attributes people read: title, placeholder, aria-label, alt, and
  the value of a button);
- the Persian catalog translates every msgid, none fuzzy;
- the committed catalog is current: ``makemessages`` over a copy of the sources finds no
  msgid that ``locale/fa`` lacks.
"""

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parents[2]
FA_PO = ROOT / "locale" / "fa" / "LC_MESSAGES" / "django.po"
SOURCE_DIRS = [
    *["core", "accounts", "billing", "catalog", "reservations", "shop", "reviews", "wishlist"],
    *["demo", "dashboard", "bookstore", "templates"],
]

# Words a Persian page may show as they are: names of things, not English sentences.
ALLOWED_WORDS = {"ISBN", "API", "REST", "JSON", "CSV", "SMS", "OpenAPI", "Swagger", "UI", "toman"}
NOT_SHOWN_BLOCKS = {"bodyclass", "extrastyle", "extrahead", "coltype"}
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")


def templates() -> list[Path]:
    paths = sorted((ROOT / "templates").rglob("*.html"))
    for app in SOURCE_DIRS:
        paths += sorted((ROOT / app / "templates").rglob("*.html"))
    return paths


def without_template_code(source: str) -> str:
    """The template as HTML: each tag and variable a blank, translated blocks and comments dropped."""
    kept = []
    inside = []  # open blocks whose content is not shown as it stands
    blocks = []  # open {% block %} names: bodyclass and the head's blocks are not shown
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            words = token.contents.split() or [""]
            if words[0] in {"blocktranslate", "blocktrans", "comment"}:
                inside.append(words[0])
            elif words[0] in {"endblocktranslate", "endblocktrans", "endcomment"} and inside:
                inside.pop()
            elif words[0] == "block":
                blocks.append(words[1] if len(words) > 1 else "")
            elif words[0] == "endblock" and blocks:
                blocks.pop()
            kept.append(" ")
        elif token.token_type == TokenType.TEXT and not inside and not NOT_SHOWN_BLOCKS & set(blocks):
            kept.append(token.contents)
        else:
            kept.append(" ")
    return "".join(kept)


class ShownText(HTMLParser):
    """Collects what a reader sees: text outside script and style, and the attributes read aloud."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shown: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self.hidden_depth += 1
        attributes = dict(attrs)
        self.shown += [value for name, value in attrs if name in READ_ATTRIBUTES and value]
        if tag == "input" and attributes.get("type") in {"submit", "button", "reset"} and attributes.get("value"):
            self.shown.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in {"script", "style"} and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data):
        if not self.hidden_depth:
            self.shown.append(data)


def shown_text(source: str) -> list[str]:
    """The texts of a template that reach a reader untranslated."""
    parser = ShownText()
    parser.feed(without_template_code(source))
    parser.close()
    return parser.shown


def english_words(text: str) -> list[str]:
    return [word for word in LATIN_WORD.findall(text) if word not in ALLOWED_WORDS]


def test_templates_show_no_english_outside_translation():
    untranslated = {}
    for path in templates():
        words = [word for text in shown_text(path.read_text()) for word in english_words(text)]
        if words:
            untranslated[str(path.relative_to(ROOT))] = words[:12]
    assert untranslated == {}, "English outside {% translate %} (R40): " + repr(untranslated)


def test_the_check_finds_english_outside_translation():
    """The check above would fail on a bare word, an attribute, a button; never on translated text."""
    source = (
        '{% load i18n %}<p title="Shown">Hello {{ name }}</p><input type="submit" value="Send">'
        '<p>{% translate "Fine" %}</p>{% blocktranslate %}Also fine {{ x }}{% endblocktranslate %}'
        "<!-- not shown --><style>p { color: red }</style>"
    )
    found = [word for text in shown_text(source) for word in english_words(text)]
    assert sorted(found) == ["Hello", "Send", "Shown"]


def test_persian_translates_every_msgid():
    catalog = polib.pofile(str(FA_PO))
    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert (untranslated, fuzzy) == ([], [])
    assert catalog.percent_translated() == 100


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed (make installs it)")
def test_the_persian_catalog_is_current(tmp_path):
    """makemessages over a copy of the sources adds no msgid to the committed catalog."""
    for name in SOURCE_DIRS:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("tests", "__pycache__"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    shutil.copytree(ROOT / "locale", tmp_path / "locale", ignore=shutil.ignore_patterns("*.mo"))
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "fa", "--add-location", "file", "--no-obsolete"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    committed = {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(FA_PO))}
    extracted = {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(tmp_path / FA_PO.relative_to(ROOT)))}
    assert sorted(extracted - committed, key=str) == [], "run `make messages` and translate what it added"
