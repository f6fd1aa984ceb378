"""The book page's wish button ({% load wish_box %}{% wish_button %}): add or remove the book (R38).

The catalog's page places it and knows nothing of wishlists: this app, a layer above,
fills it. Customers see a POST form; visitors a link to log in; others nothing.
"""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from accounts.permissions import is_customer

from ..selectors import is_wished

register = template.Library()


@register.inclusion_tag("wishlist/_wish_button.html", takes_context=True)
def wish_button(context: template.Context) -> dict:
    request, book = context["request"], context["book"]
    user = request.user
    box = {"book": book, "csrf_token": context.get("csrf_token"), "show": False}
    if not user.is_authenticated:
        page = reverse("book-detail", args=[book.pk])
        return {**box, "login_url": f"{reverse('login')}?{urlencode({'next': page})}"}
    if not is_customer(user) or book.is_withdrawn:
        return box
    return {**box, "show": True, "wished": is_wished(customer=user.customer, book=book), "here": request.path}
