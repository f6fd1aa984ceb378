"""Forms of the catalog pages: the search and filters, and the reserve form (R4)."""

from django import forms

from accounts.models import TierRule
from reservations.pricing import base_price

from .filters import SEARCH_MAX_LENGTH
from .selectors import genre_list


class CatalogFilterForm(forms.Form):
    """The catalog's query: words, a genre and "available now" (GET parameters)."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "dir": "auto", "placeholder": "Title, author, ISBN or words"}),
    )
    genre = forms.ChoiceField(label="Genre", required=False)
    available = forms.BooleanField(label="Available now", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["genre"].choices = [("", "All genres")] + [(genre.slug, genre.name) for genre in genre_list()]

    def filters(self) -> dict[str, str]:
        """The parameters of catalog.selectors.book_list (the API's names)."""
        data = self.cleaned_data
        filters = {
            "search": data["q"].strip(),
            "genre": data["genre"],
            "available": "true" if data["available"] else "",
        }
        return {name: value for name, value in filters.items() if value}


class ReserveForm(forms.Form):
    """Days to reserve, offered up to the tier's maximum; the service checks the range (R4)."""

    days = forms.IntegerField(
        label="Days",
        widget=forms.Select,
        error_messages={"required": "Choose the number of days.", "invalid": "Days must be a whole number."},
    )

    def __init__(self, *args, rule: TierRule | None = None, discount: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        max_days = rule.max_days if rule else 0
        choices = []
        for days in range(1, max_days + 1):
            price = base_price(days) * (100 - discount) // 100
            choices.append((days, f"{days} day{'s' if days != 1 else ''} · {price:,} toman"))
        self.fields["days"].widget.choices = choices
