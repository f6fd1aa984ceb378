from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.exceptions import DomainError
from core.formatting import number, toman

from . import contact_change, services
from .models import Author, City, ContactChange, Customer, Notification, SmsDevice, Tier, User


def tier_name(tier: str) -> str:
    """Free, Plus or Premium (رایگان، پلاس، پریمیوم) for a tier's stored value: its label, in the page's language."""
    return str(Tier(tier).label) if tier in Tier.values else tier


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "phone", "role", "is_active", "is_staff", "date_joined", "tokens_revoked_at"]
    list_filter = ["role", "is_active", "is_staff", "date_joined"]
    search_fields = ["username", "email", "phone", "first_name", "last_name"]
    # R39: the channels are the user's own choice (profile, PATCH me/): shown, not edited here.
    readonly_fields = ["tokens_revoked_at", "notify_by_sms", "notify_by_email"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            gettext_lazy("Bookstore"),
            {"fields": ("phone", "role", "tokens_revoked_at", "notify_by_sms", "notify_by_email")},
        ),
    )
    actions = ["revoke_tokens"]
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "phone", "role", "password1", "password2")}),
    )

    def save_model(self, request, obj, form, change):
        # The active flag is the accounts services' (R27): the form's full save leaves it
        # out, and a change of it goes through set_user_active, under the user's lock.
        # A phone or e-mail an admin sets is followed as a confirmed change is (issue 14):
        # the old phone is told, and a new phone ends the user's tokens and sessions.
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            services.set_user_active(user=obj, active=form.cleaned_data["is_active"])
        if change:
            for field in ("phone", "email"):
                if field in form.changed_data:
                    contact_change.contact_changed(user=obj, field=field, old_phone=form.initial["phone"])

    @admin.action(description=gettext_lazy("Revoke all tokens and end all sessions of the selected users"))
    def revoke_tokens(self, request, queryset):
        """Revoke the selected users' tokens and end their sessions (R24)."""
        revoked = 0
        for user in queryset:
            try:
                services.revoke_tokens(user=user)
                revoked += 1
            except DomainError as error:
                self.message_user(
                    request,
                    _("%(username)s: %(error)s") % {"username": user.username, "error": error.message},
                    messages.ERROR,
                )
        if revoked:
            done = ngettext(
                "Revoked the tokens of %(count)s user.", "Revoked the tokens of %(count)s users.", revoked
            ) % {"count": number(revoked)}
            self.message_user(request, done, messages.SUCCESS)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Tier and wallet change only through purchases and the ledger (R18, R19, R23).

    They are read-only here, and the change form's save leaves them out (service-owned,
    R27): saving auto-renew never writes back a balance read before a charge.
    """

    list_display = [
        "user",
        "tier",
        "tier_in_force",
        "subscription_ends_at",
        "auto_renew",
        "balance_toman",
        "ledger_link",
        "reservations_link",
    ]
    list_filter = ["tier", "auto_renew", "subscription_ends_at"]
    search_fields = ["user__username", "user__email", "user__phone", "user__first_name", "user__last_name"]
    readonly_fields = ["user", "tier", "subscription_ends_at", "balance"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False  # a customer profile comes with a customer user (signup)

    @admin.display(description=gettext_lazy("Tier now"))
    def tier_in_force(self, customer: Customer) -> str:
        """The tier in force now: a paid tier past its end is Free (R5)."""
        return tier_name(customer.tier_at(timezone.now()))

    @admin.display(description=gettext_lazy("Balance"), ordering="balance")
    def balance_toman(self, customer: Customer) -> str:
        return toman(customer.balance)

    @admin.display(description=gettext_lazy("Ledger"))
    def ledger_link(self, customer: Customer) -> str:
        url = reverse("admin:billing_wallettransaction_changelist") + f"?customer__id__exact={customer.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Ledger"))

    @admin.display(description=gettext_lazy("Reservations"))
    def reservations_link(self, customer: Customer) -> str:
        url = reverse("admin:reservations_reservation_changelist") + f"?customer__id__exact={customer.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Reservations"))


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["user", "city", "book_count", "goodreads_link"]
    list_filter = ["city"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email", "bio"]
    list_select_related = ["user", "city"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Django 6's default, today

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(book_count=Count("books"))

    @admin.display(description=gettext_lazy("Books"), ordering="book_count")
    def book_count(self, author: Author) -> str:
        return number(author.book_count)


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "author_count"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(author_count=Count("authors"))

    @admin.display(description=gettext_lazy("Authors"), ordering="author_count")
    def author_count(self, city: City) -> str:
        return number(city.author_count)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Notifications are written by the services that send them; the admin reads them."""

    list_display = ["user", "kind", "message", "created_at", "sent_at", "read_at"]
    list_filter = ["kind", "created_at", "sent_at", "read_at"]
    search_fields = ["user__username", "user__phone", "message"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SmsDevice)
class SmsDeviceAdmin(admin.ModelAdmin):
    """Login code devices (R21), read-only; the code and challenge themselves are never shown."""

    list_display = ["user", "valid_until", "failures", "confirmed"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__phone"]
    fields = ["user", "name", "confirmed", "valid_until", "failures"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ContactChange)
class ContactChangeAdmin(admin.ModelAdmin):
    """Changes of phone and e-mail (issue 14, item 4), read-only: the record of who changed what, when."""

    list_display = ["user", "field", "new_value", "created_at", "expires_at", "failures", "confirmed_at"]
    list_filter = ["field", "confirmed_at", "created_at"]
    search_fields = ["user__username", "user__phone", "new_value"]
    fields = ["user", "field", "new_value", "created_at", "expires_at", "failures", "confirmed_at"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
