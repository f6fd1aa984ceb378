from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from bookstore.exceptions import DomainError

from . import services
from .models import Author, City, Customer, Notification, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "phone", "role", "is_active", "date_joined"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["username", "email", "phone", "first_name", "last_name"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Bookstore", {"fields": ("phone", "role")}),
    )
    actions = ["revoke_tokens"]
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "phone", "role", "password1", "password2")}),
    )

    @admin.action(description="Revoke all tokens and end all sessions of the selected users (R24)")
    def revoke_tokens(self, request, queryset):
        revoked = 0
        for user in queryset:
            try:
                services.revoke_tokens(user=user)
                revoked += 1
            except DomainError as error:
                self.message_user(request, f"{user.username}: {error.message}", messages.ERROR)
        if revoked:
            self.message_user(request, f"Revoked the tokens of {revoked} user(s).", messages.SUCCESS)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Tier and wallet change only through purchases and the ledger (R18, R19, R23)."""

    list_display = ["user", "tier", "subscription_ends_at", "auto_renew", "balance"]
    list_filter = ["tier", "auto_renew"]
    search_fields = ["user__username", "user__email", "user__phone"]
    readonly_fields = ["user", "tier", "subscription_ends_at", "balance"]
    list_select_related = ["user"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["user", "city", "goodreads_link"]
    list_filter = ["city"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "city"]


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["user__username", "message"]
    list_select_related = ["user"]
