"""Forms of the catalog pages: the search, its filters and the order."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Author

from .filters import SEARCH_MAX_LENGTH
from .selectors import genre_list


class CatalogFilterForm(forms.Form):
    """The catalog's query: words, a genre and "available now" (GET parameters)."""

    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={"type": "search", "dir": "auto", "placeholder": gettext_lazy("Title, author, ISBN or words")}
        ),
    )
    genre = forms.ChoiceField(label=gettext_lazy("Genre"), required=False)
    available = forms.BooleanField(label=gettext_lazy("Available now"), required=False)
    # An author's page is the catalog of their books: the author's name links here (?author=<id>).
    author = forms.ModelChoiceField(
        queryset=Author.objects.select_related("user"), required=False, widget=forms.HiddenInput
    )
    # The API's ordering fields, as people name them; "" is relevance for a search, else title.
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        choices=[
            ("", gettext_lazy("Best match, else title")),
            ("title", gettext_lazy("Title")),
            ("-created_at", gettext_lazy("Newest first")),
            ("price", gettext_lazy("Price, lowest first")),
            ("-price", gettext_lazy("Price, highest first")),
            ("-available_units", gettext_lazy("Most copies free")),
            ("queue_length", gettext_lazy("Shortest queue")),
            ("-rating", gettext_lazy("Highest rated")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["genre"].choices = [("", _("All genres"))] + [(genre.slug, genre.name) for genre in genre_list()]

    def filters(self) -> dict[str, str]:
        """The parameters of catalog.selectors.book_list (the API's names)."""
        data = self.cleaned_data
        filters = {
            "search": data["q"].strip(),
            "genre": data["genre"],
            "available": "true" if data["available"] else "",
            "author": str(data["author"].pk) if data["author"] else "",
            "ordering": data["sort"],
        }
        return {name: value for name, value in filters.items() if value}
