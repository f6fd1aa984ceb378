"""Who may do what (R22, R23): permission classes shared by the API and the pages."""

from django.utils.translation import gettext_lazy
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import Role


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.ADMIN)


def is_customer(user) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.CUSTOMER and hasattr(user, "customer"))


def is_author(user) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.AUTHOR and hasattr(user, "author"))


def owner_of(obj):
    """The user an object belongs to: a user itself, or the user of a profile."""
    return obj if hasattr(obj, "role") else getattr(obj, "user", None)


class IsAdmin(BasePermission):
    message = gettext_lazy("Only admins may do this.")

    def has_permission(self, request, view) -> bool:
        return is_admin(request.user)


class IsCustomer(BasePermission):
    message = gettext_lazy("Only customers may do this.")

    def has_permission(self, request, view) -> bool:
        return is_customer(request.user)


class IsAuthorOrAdmin(BasePermission):
    message = gettext_lazy("Only authors and admins may do this.")

    def has_permission(self, request, view) -> bool:
        return is_author(request.user) or is_admin(request.user)


class IsSelf(BasePermission):
    """A user's own data, and their profiles, change only by that user (R23). Implements R23."""

    message = gettext_lazy("You may change only your own data.")

    def has_object_permission(self, request, view, obj) -> bool:
        return owner_of(obj) == request.user


class IsSelfOrAdminReading(BasePermission):
    """The owner may read and change; an admin may read (R23)."""

    message = gettext_lazy("You may see only your own data.")

    def has_object_permission(self, request, view, obj) -> bool:
        if owner_of(obj) == request.user:
            return True
        return request.method in SAFE_METHODS and is_admin(request.user)


def is_book_author(user, book) -> bool:
    return is_author(user) and book.authors.filter(pk=user.author.pk).exists()


class IsBookAuthorOrAdmin(BasePermission):
    """A book changes only by its authors, or an admin (R23). Implements R23."""

    message = gettext_lazy("Only this book's authors may change it.")

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return is_admin(request.user) or is_book_author(request.user, obj)
