"""Reviews in the admin site: read-only, filtered, with a "Hide" action calling the service (R27, R37).

Nobody edits another's rating or text here, nor deletes a review: an admin hides one,
and the book's count and average follow in the same transaction (``hide_review``).
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy, ngettext

from core.exceptions import DomainError
from core.formatting import number
from core.read_only_admin import ReadOnlyModelAdmin

from .models import Review
from .services import hide_review


class VisibilityFilter(admin.SimpleListFilter):
    title = gettext_lazy("shown")
    parameter_name = "shown"

    def lookups(self, request, model_admin):
        return [
            ("visible", gettext_lazy("Shown")),
            ("hidden", gettext_lazy("Hidden by an admin")),
            ("deleted", gettext_lazy("Deleted by its writer")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "visible":
            return queryset.visible()
        if self.value() == "hidden":
            return queryset.filter(hidden_at__isnull=False)
        if self.value() == "deleted":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


@admin.register(Review)
class ReviewAdmin(ReadOnlyModelAdmin):
    """Read-only reviews; the Hide action goes through ``reviews.services.hide_review``. Implements R37."""

    list_display = ["id", "book", "customer", "rating", "created_at", "updated_at", "hidden_at", "deleted_at"]
    list_filter = [VisibilityFilter, "rating", "created_at"]
    search_fields = ["book__title", "customer__user__username", "text"]
    list_select_related = ["book", "customer__user"]
    raw_id_fields = ["book", "customer", "hidden_by"]
    ordering = ["-created_at", "-id"]
    actions = ["hide"]

    @admin.action(description=gettext_lazy("Hide the selected reviews"))
    def hide(self, request, queryset):
        hidden = 0
        for review in queryset.not_deleted().filter(hidden_at__isnull=True):
            try:
                hide_review(review=review.pk, by=request.user)
            except DomainError:  # hidden or deleted meanwhile: nothing left to do
                continue
            hidden += 1
        self.message_user(
            request,
            ngettext("%(count)s review hidden.", "%(count)s reviews hidden.", hidden) % {"count": number(hidden)},
            messages.SUCCESS,
        )
