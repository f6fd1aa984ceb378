"""The book page's buy box ({% load buy_box %}{% buy_box %}): the stock, a quantity and "Add to cart" (R34, R35).

The catalog's page places it and knows nothing of carts: this app, a layer above, fills it.
Customers (Free included, R34) get the form and a link to their cart; others see the
stock and whom buying is for.
"""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from accounts.permissions import is_customer

from ..forms import QuantityForm
from ..models import CartItem

register = template.Library()


@register.inclusion_tag("shop/_buy_box.html", takes_context=True)
def buy_box(context: template.Context) -> dict:
    request, book = context["request"], context["book"]
    user = request.user
    box = {
        "book": book,
        "user": user,
        "role": user.role if user.is_authenticated else None,
        "csrf_token": context.get("csrf_token"),
        "for_sale": not book.is_withdrawn,
        "login_url": f"{reverse('login')}?{urlencode({'next': reverse('book-detail', args=[book.pk])})}",
    }
    if is_customer(user):
        customer = user.customer
        in_cart = CartItem.objects.filter(customer=customer, book=book).values_list("quantity", flat=True).first()
        box.update(
            customer=customer,
            in_cart=in_cart or 0,
            quantity_form=QuantityForm(auto_id="id_buy_%s"),
        )
    return box
