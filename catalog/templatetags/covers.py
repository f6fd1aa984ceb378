"""``{% load covers %}{% book_cover book "card" %}``: a book's cover thumbnail, or its placeholder.

``book`` may be a Book or the API's book dict (``id``, ``title``, ``cover``: the cover's
stored name). The sizes are the thumbnail aliases of settings (``card`` for lists, ``page``
for the book page).
"""

from django import template
from django.conf import settings

from ..covers import placeholder, thumbnail_url

register = template.Library()


@register.inclusion_tag("catalog/_cover.html")
def book_cover(book, alias: str = "card") -> dict:
    if isinstance(book, dict):
        book_id, title, cover = book["id"], book["title"], book.get("cover") or ""
    else:
        book_id, title, cover = book.pk, book.title, book.cover
    width, height = settings.THUMBNAIL_ALIASES["catalog.Book.cover"][alias]["size"]
    return {
        "title": title,
        "alias": alias,
        "width": width,
        "height": height,
        "src": thumbnail_url(cover, alias) if cover else "",
        **({} if cover else placeholder(title, book_id)),
    }
