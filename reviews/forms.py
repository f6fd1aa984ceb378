"""The book page's review form: a rating from 1 to 5 as labelled radio buttons, and a text (R37)."""

from django import forms
from django.utils.translation import gettext_lazy, ngettext

from core.formatting import number

from .models import MAX_RATING, MAX_TEXT, MIN_RATING


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(label=gettext_lazy("Your rating"), coerce=int, widget=forms.RadioSelect)
    text = forms.CharField(
        label=gettext_lazy("Your review (optional)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per form, in the language of the page that shows it (R40).
        self.fields["rating"].choices = [
            (stars, ngettext("%(stars)s star", "%(stars)s stars", stars) % {"stars": number(stars)})
            for stars in range(MAX_RATING, MIN_RATING - 1, -1)
        ]
