"""My wishlist page, and the book page's wish and unwish buttons (R38).

Decisions where SPEC is silent:
- The buttons are POST forms answering with a redirect and a message: wishing goes back
  to the book page, removing to where the form said (``next``, a path on this site),
  else to my wishlist. Removing a book not on the list just says so.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.pages import customer_page
from catalog.models import Book
from catalog.views import book_or_404
from core.exceptions import DomainError

from .selectors import wishlist_for
from .services import add_wish, remove_wish


@customer_page()
def wishlist_view(request: HttpRequest) -> HttpResponse:
    entries = wishlist_for(customer=request.user.customer, now=timezone.now())
    return render(request, "wishlist/my_wishlist.html", {"entries": entries})


@require_POST
@customer_page(back_to=lambda pk: reverse("book-detail", args=[pk]))
def wish_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    book = book_or_404(pk)
    try:
        _entry, created = add_wish(customer=request.user.customer, book=book)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if created:
            messages.success(request, _("“%(title)s” is on your wishlist.") % {"title": book.title})
        else:
            messages.info(request, _("“%(title)s” was on your wishlist already.") % {"title": book.title})
    return redirect("book-detail", pk=book.pk)


@require_POST
@customer_page(back_to="wishlist")
def wish_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    book = get_object_or_404(Book, pk=pk)  # a withdrawn book too: it can still leave the list
    try:
        remove_wish(customer=request.user.customer, book=book)
    except DomainError as error:
        messages.info(request, error.message)
    else:
        messages.success(request, _("“%(title)s” is off your wishlist.") % {"title": book.title})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = reverse("wishlist")
    return redirect(target)
