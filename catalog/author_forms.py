"""The form an author fills to add or change one of their books (R23).

The form checks shape and range only; the catalog services decide the rest (ISBN
checksum and uniqueness, units below those on loan, stock set under the book's lock as
units are, R34) and their errors land on the form's fields.
"""

from django import forms
from django.utils.translation import gettext_lazy

from accounts.models import Author

from .covers import not_an_image
from .models import Book, Genre

MAX_PRICE = 10**12  # toman, as in the API
MAX_UNITS = 1_000_000
MAX_STOCK = 1_000_000
MAX_DESCRIPTION = 5_000


class CoAuthorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, author: Author) -> str:
        name = author.user.get_full_name()
        return f"{name} ({author.user.username})" if name else author.user.username


class AuthorBookForm(forms.Form):
    """A book's fields as its author edits them; the author is always one of its authors."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=300, widget=forms.TextInput(attrs={"dir": "auto"}))
    isbn = forms.CharField(
        label=gettext_lazy("ISBN"),
        max_length=20,
        help_text=gettext_lazy("ISBN-10 or ISBN-13; hyphens are fine, the checksum is checked."),
    )
    price = forms.IntegerField(label=gettext_lazy("List price (toman)"), min_value=0, max_value=MAX_PRICE)
    genre = forms.ModelChoiceField(
        label=gettext_lazy("Genre"),
        queryset=Genre.objects.order_by("name", "id"),
        empty_label=gettext_lazy("Choose a genre"),
    )
    units = forms.IntegerField(
        label=gettext_lazy("Units (copies the library owns)"),
        min_value=0,
        max_value=MAX_UNITS,
        help_text=gettext_lazy("Raising units gives the new copies to the queue at once."),
    )
    stock = forms.IntegerField(
        label=gettext_lazy("Stock (copies for sale)"),
        min_value=0,
        max_value=MAX_STOCK,
        initial=0,
        help_text=gettext_lazy("Copies sold at the list price, apart from the units lent."),
        # Checkout (R35) lowers stock while the page is open: the value the author saw
        # comes back with the form, so an unchanged field writes nothing (R27).
        show_hidden_initial=True,
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=MAX_DESCRIPTION,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"}),
    )
    co_authors = CoAuthorChoiceField(
        label=gettext_lazy("Co-authors"),
        queryset=Author.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("You are always one of the book's authors."),
    )

    def __init__(self, *args, author: Author, book: Book | None = None, **kwargs) -> None:
        if book is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": book.title,
                    "isbn": book.isbn,
                    "price": book.price,
                    "genre": book.genre_id,
                    "units": book.units,
                    "stock": book.stock,
                    "description": book.description,
                    "co_authors": [a.pk for a in book.authors.all() if a.pk != author.pk],
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["co_authors"].queryset = (
            Author.objects.exclude(pk=author.pk).select_related("user").order_by("user__username", "pk")
        )

    def service_data(self, author: Author) -> dict:
        """The cleaned fields as catalog.services.create_book/update_book take them."""
        data = {field: self.cleaned_data[field] for field in ("title", "isbn", "price", "genre", "units")}
        if "stock" in self.changed_data:  # else a stale count would undo a sale (R27, R34)
            data["stock"] = self.cleaned_data["stock"]
        data["description"] = self.cleaned_data["description"]
        data["authors"] = [author, *self.cleaned_data["co_authors"]]
        return data


class CoverForm(forms.Form):
    """A cover for one of the author's books; catalog.covers checks what the file is."""

    cover = forms.ImageField(
        label=gettext_lazy("Cover image"),
        help_text=gettext_lazy("A JPEG, PNG or WebP image of at most 2 MB; it is cut to a 2:3 portrait."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        # Django's own check that the file opens as an image runs first: say what we accept.
        error_messages={"invalid_image": not_an_image().message},
    )
