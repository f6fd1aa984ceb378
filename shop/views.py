"""The cart page, checkout, my orders and an order (R35, R36).

Decisions where SPEC is silent:
- Adding from the book page goes back to the book with a message and a link to the cart.
- The cart page's Pay button carries a key made when the page was drawn (the API's
  ``Idempotency-Key``): a double click or a resubmitted page makes one order.
- A refused checkout shows the cart again, nothing lost, with what stopped it: the books
  short of copies (409), or the wallet's shortfall with a link to charge it (402).
- Another customer's order answers 404, as in the API.
"""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Customer
from accounts.pages import customer_page
from billing.exceptions import InsufficientFunds
from billing.views import wallet_charge_url
from core.exceptions import DomainError
from core.formatting import number

from .checkout import checkout
from .exceptions import OutOfStock
from .forms import CheckoutForm, QuantityForm
from .models import Order
from .serializers import orders_with_lines
from .services import add_to_cart, cart_of, change_quantity, remove_from_cart

ORDERS_PER_PAGE = 20


def _render_cart(request: HttpRequest, customer: Customer, *, status: int = 200, **refusal) -> HttpResponse:
    cart = cart_of(customer)
    context = {
        "cart": cart,
        "customer": customer,
        "checkout_form": CheckoutForm(initial={"idempotency_key": uuid.uuid4().hex}),
        **refusal,
    }
    return render(request, "shop/cart.html", context, status=status)


@customer_page()
def cart_view(request: HttpRequest) -> HttpResponse:
    return _render_cart(request, request.user.customer)


@require_POST
@customer_page(back_to=lambda pk: reverse("book-detail", args=[pk]))
def cart_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Put copies of the book in the cart, from its page (R35)."""
    back = reverse("book-detail", args=[pk])
    form = QuantityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a quantity from 1 to 10."))
        return redirect(back)
    try:
        item = add_to_cart(customer=request.user.customer, book=pk, quantity=form.cleaned_data["quantity"])
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    except ValidationError as error:  # a book id that names no book: the page's own 404
        raise Http404("No such book.") from error
    messages.success(
        request,
        _("“%(title)s” is in your cart (%(count)s in all).")
        % {"title": item.book.title, "count": number(item.quantity)},
    )
    return redirect(back)


@require_POST
@customer_page(back_to="cart")
def cart_item_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change how many copies of a book the cart holds (R35)."""
    customer = request.user.customer
    form = QuantityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a quantity from 1 to 10. To take a book out, remove it."))
        return _render_cart(request, customer, status=400)
    try:
        change_quantity(customer=customer, item=pk, quantity=form.cleaned_data["quantity"])
    except DomainError as error:
        messages.error(request, error.message)
        return _render_cart(request, customer, status=error.status)
    messages.success(request, _("The quantity is changed."))
    return redirect("cart")


@require_POST
@customer_page(back_to="cart")
def cart_item_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    customer = request.user.customer
    try:
        remove_from_cart(customer=customer, item=pk)
    except DomainError as error:
        messages.error(request, error.message)
        return _render_cart(request, customer, status=error.status)
    messages.success(request, _("The book is out of your cart."))
    return redirect("cart")


@require_POST
@customer_page(back_to="cart")
def checkout_view(request: HttpRequest) -> HttpResponse:
    """Buy the cart, paid from the wallet (R35); a refusal shows the cart again with its reason."""
    customer = request.user.customer
    form = CheckoutForm(request.POST)
    key = form.cleaned_data["idempotency_key"] if form.is_valid() else None
    try:
        result = checkout(customer=customer, idempotency_key=key)
    except OutOfStock as error:
        messages.error(request, error.message)
        return _render_cart(request, customer, status=error.status, short_books=error.books)
    except InsufficientFunds as error:
        messages.error(request, error.message)
        charge_url = wallet_charge_url(error.shortfall, reverse("cart"))
        return _render_cart(request, customer, status=error.status, shortfall=error.shortfall, charge_url=charge_url)
    except DomainError as error:
        messages.error(request, error.message)
        return _render_cart(request, customer, status=error.status)
    if result.created:
        messages.success(request, _("Thank you! Your order is placed and paid from your wallet."))
    return redirect("order-detail", pk=result.order.pk)


@customer_page()
def my_orders_view(request: HttpRequest) -> HttpResponse:
    orders = orders_with_lines(Order.objects.filter(customer=request.user.customer).order_by("-created_at", "-id"))
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "shop/my_orders.html", {"page": page})


@customer_page()
def order_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = orders_with_lines(Order.objects.filter(customer=request.user.customer, pk=pk)).first()
    if order is None:
        raise Http404("No such order.")
    return render(request, "shop/order_detail.html", {"order": order})
