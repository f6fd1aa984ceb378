"""The API's request parser (R26), in a module of its own.

DRF imports ``DEFAULT_PARSER_CLASSES`` while defining ``APIView``; a parser living beside
code that imports DRF's views would be imported half-made (a circular import).
"""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, with a body nested too deep for Python's parser a 400 (R26).

    ``json`` raises RecursionError, not ValueError, for ``[[[[…`` a hundred thousand deep,
    and DRF's parser lets it through as a 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
