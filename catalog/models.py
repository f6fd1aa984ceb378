"""The catalog: genres and books with their authors and the units the library owns."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.text import slugify
from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import ValidationError as StdnumValidationError


def validate_isbn(value: str) -> None:
    """Accept an ISBN-10 or ISBN-13 with a valid checksum (python-stdnum)."""
    try:
        stdnum_isbn.validate(value)
    except StdnumValidationError as error:
        raise ValidationError("Enter a valid ISBN-10 or ISBN-13.", code="invalid_isbn") from error


def normalize_isbn(value: str) -> str:
    """Return the ISBN without separators, upper-cased (so 'x' check digits compare equal)."""
    return stdnum_isbn.compact(value)


class Genre(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=120, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name, allow_unicode=True)
        super().save(*args, **kwargs)


class Book(models.Model):
    """A title the library lends; `units_on_loan` counts its active reservations (R9)."""

    title = models.CharField(max_length=300)
    isbn = models.CharField("ISBN", max_length=13, unique=True, validators=[validate_isbn])
    price = models.BigIntegerField(help_text="List price in toman.")
    genre = models.ForeignKey(Genre, on_delete=models.PROTECT, related_name="books")
    description = models.TextField(blank=True)
    units = models.PositiveIntegerField(default=1, help_text="Copies the library owns.")
    # Maintained only by the reservation services under a lock on this row; the
    # check constraint below makes overselling impossible even if code is wrong.
    units_on_loan = models.PositiveIntegerField(default=0, editable=False)
    authors = models.ManyToManyField("accounts.Author", related_name="books")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(units__gte=0), name="book_units_not_negative"),
            models.CheckConstraint(condition=Q(price__gte=0), name="book_price_not_negative"),
            models.CheckConstraint(condition=Q(isbn__regex=r"^([0-9]{9}[0-9X]|[0-9]{13})$"), name="book_isbn_compact"),
            models.CheckConstraint(
                condition=Q(units_on_loan__gte=0) & Q(units_on_loan__lte=F("units")),
                name="book_not_oversold",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def free_units(self) -> int:
        """Units not held by an active reservation (as last recorded)."""
        return self.units - self.units_on_loan

    def clean_fields(self, exclude=None) -> None:
        # Strip separators first, so "978-0-306-40615-7" passes the 13-character limit.
        if self.isbn:
            self.isbn = normalize_isbn(self.isbn)
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        if self.units is not None and self.units < self.units_on_loan:
            raise ValidationError(
                {"units": f"{self.units_on_loan} units are on loan; units cannot go below that."},
                code="units_below_on_loan",
            )
