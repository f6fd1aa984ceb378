"""The catalog: genres and books with their authors and the units the library owns."""

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, FloatField, Q, When
from django.db.models.functions import Cast
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import ValidationError as StdnumValidationError

from core.compiled import CompiledQuery, Param
from core.compiled_writes import CompiledIncrement
from core.formatting import number
from core.indexes import PortableIndex
from core.loading import LoadedQuickly
from core.owned_fields import ServiceOwnedFields

from .cache import invalidate_catalog_cache
from .collation import TITLE_COLLATION
from .covers import cover_path
from .signals import stock_raised, stock_ran_out, units_ran_out


def validate_isbn(value: str) -> None:
    """Accept an ISBN-10 or ISBN-13 with a valid checksum (python-stdnum)."""
    try:
        stdnum_isbn.validate(value)
    except StdnumValidationError as error:
        raise ValidationError(_("Enter a valid ISBN-10 or ISBN-13."), code="invalid_isbn") from error


def normalize_isbn(value: str) -> str:
    """Return the ISBN without separators, upper-cased (so 'x' check digits compare equal)."""
    return stdnum_isbn.compact(value)


def isbn_forms(value: str) -> set[str]:
    """Return every compact form of a valid ISBN (ISBN-10 and ISBN-13), or an empty set."""
    try:
        compact = stdnum_isbn.validate(value)
    except StdnumValidationError:
        return set()
    isbn13 = stdnum_isbn.compact(stdnum_isbn.to_isbn13(compact))
    forms = {compact, isbn13}
    if isbn13.startswith("978"):  # only the 978 range has ISBN-10 twins
        forms.add(stdnum_isbn.compact(stdnum_isbn.to_isbn10(isbn13)))
    return forms


# Persian text is typed with Arabic letter forms, diacritics, with or without the
# zero-width non-joiner, and with Persian or Arabic digits; folding them lets «بوف كور»
# find «بوف کور», «چراغها» find «چراغ‌ها» and ۹۷۸… find 978… (R40). A query drops the
# joiner: most people type «چراغها» for «چراغ‌ها». The search document holds a word with a
# joiner both ways, its parts and the parts joined (``_searchable``), so «چراغ ها» typed
# with a space finds it too. persiantools' ar_to_fa folds only ي, ى and ك, and hazm brings
# NLTK for the rest, so the few letters are folded here.
_SEARCH_FOLDING = str.maketrans(
    {
        "\u064a": "\u06cc",  # Arabic yeh -> Persian yeh
        "\u0649": "\u06cc",  # alef maksura -> Persian yeh
        "\u0626": "\u06cc",  # yeh with hamza -> Persian yeh
        "\u0643": "\u06a9",  # Arabic kaf -> Persian keheh
        "\u0629": "\u0647",  # teh marbuta -> heh
        "\u06c0": "\u0647",  # heh with yeh above -> heh
        "\u0623": "\u0627",  # alef with hamza above -> alef
        "\u0625": "\u0627",  # alef with hamza below -> alef
        "\u0671": "\u0627",  # alef wasla -> alef
        "\u0624": "\u0648",  # waw with hamza -> waw
        "\u200c": None,  # zero-width non-joiner: the word is one word with or without it
        "\u200d": None,  # zero-width joiner
        "\u200e": None,  # left-to-right mark
        "\u200f": None,  # right-to-left mark
        "\x1f": " ",  # the search document's section separator (SEARCH_SECTION_SEPARATOR)
        "\u0640": None,  # tatweel
        **{chr(code): None for code in range(0x064B, 0x0653)},  # harakat
        "\u0654": None,  # hamza above
        "\u0655": None,  # hamza below
        "\u0670": None,  # superscript alef
        **{chr(0x06F0 + digit): str(digit) for digit in range(10)},  # Persian digits
        **{chr(0x0660 + digit): str(digit) for digit in range(10)},  # Arabic-Indic digits
    }
)


def normalize_search_text(text: str) -> str:
    """Fold Persian letter variants and digits and the case, for the search document and queries.

    Implements R40's search that finds what people type.
    """
    return text.translate(_SEARCH_FOLDING).casefold()


def _searchable(text: str) -> str:
    """`text` folded for the search document: each word with a joiner as its parts, then joined."""
    joined = [word for word in text.split() if "\u200c" in word]
    return normalize_search_text(" ".join([text.replace("\u200c", " "), *joined]))


# The search document's three sections, in the order of their weight in the stored vector
# (migration 0005's trigger splits the document here): the title (A), the authors' names
# and the ISBN forms (B), the description (D). The separator is a control character that
# normalize_search_text folds to a space, so a title or a description cannot fake a section.
SEARCH_SECTION_SEPARATOR = "\x1f"


def compose_search_document(*, title: str, names: list[str], isbns: list[str], description: str) -> str:
    """The folded search document of a book's fields: title, then names and ISBNs, then description.

    The one place that lays the document out, for the model, its migrations and any bulk
    loader (bench/generate.py) alike; migration 0005's trigger derives the weighted
    ``search_vector`` from it.
    """
    sections = [[title], [*names, *isbns], [description]]
    return SEARCH_SECTION_SEPARATOR.join(_searchable("\n".join(part for part in parts if part)) for parts in sections)


class Genre(LoadedQuickly, models.Model):
    name = models.CharField(gettext_lazy("name"), max_length=100, unique=True)
    slug = models.SlugField(gettext_lazy("slug"), max_length=120, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]
        verbose_name = gettext_lazy("genre")
        verbose_name_plural = gettext_lazy("genres")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name, allow_unicode=True)
        super().save(*args, **kwargs)


class BookQuerySet(models.QuerySet):
    def in_catalog(self):
        """Books the catalog shows and lends: not withdrawn (R28). Implements R28."""
        return self.filter(withdrawn_at__isnull=True)

    def refresh_search_documents(self) -> int:
        """Rebuild the search document of every book in this queryset; return how many."""
        books = list(self.prefetch_related("authors__user"))
        for book in books:
            book.search_document = book.build_search_document()
        Book.objects.bulk_update(books, ["search_document"], batch_size=500)
        invalidate_catalog_cache()
        return len(books)

    def take_back(self, count: int) -> int:
        """Implements R9 for many books at once: `count` fewer units on loan in each (an F() update)."""
        invalidate_catalog_cache()
        return self.update(units_on_loan=F("units_on_loan") - count)


class Book(LoadedQuickly, ServiceOwnedFields):
    """A title the library lends; `units_on_loan` counts its active reservations (R9).

    Units change only through lending under a lock on this row (``catalog.lending``'s
    ``set_book_units``), stock for sale only through ``catalog.services`` under that lock
    (R34), and units on loan only through ``lend`` and ``take_back``, the
    search document and the withdrawal only through the catalog services, the ratings only
    through ``add_ratings`` (the reviews' services, R37): a change form saved from a stale
    read leaves them alone (R27).

    Implements R34 and R37's average and count.
    """

    service_owned_fields = frozenset(
        {
            *("units", "units_on_loan", "stock", "search_document", "search_vector", "withdrawn_at", "cover"),
            *("rating_count", "rating_sum"),
        }
    )

    # Persian titles first, in the Persian alphabet, then Latin (R40; catalog.collation).
    title = models.CharField(gettext_lazy("title"), max_length=300, db_collation=TITLE_COLLATION)
    isbn = models.CharField(gettext_lazy("ISBN"), max_length=13, unique=True, validators=[validate_isbn])
    price = models.BigIntegerField(gettext_lazy("price"), help_text=gettext_lazy("List price in toman."))
    genre = models.ForeignKey(Genre, on_delete=models.PROTECT, related_name="books", verbose_name=gettext_lazy("genre"))
    description = models.TextField(gettext_lazy("description"), blank=True)
    units = models.PositiveIntegerField(
        gettext_lazy("units"), default=1, help_text=gettext_lazy("Copies the library owns.")
    )
    # Maintained only by the reservation services under a lock on this row; the
    # check constraint below makes overselling impossible even if code is wrong.
    units_on_loan = models.PositiveIntegerField(gettext_lazy("units on loan"), default=0, editable=False)
    # R34: copies for sale, a counter apart from the lending units. Set by authors and
    # admins through catalog.services under this row's lock; checkout (R35) lowers it.
    stock = models.PositiveIntegerField(
        gettext_lazy("stock"), default=0, help_text=gettext_lazy("Copies for sale, apart from the lending units.")
    )
    authors = models.ManyToManyField("accounts.Author", related_name="books", verbose_name=gettext_lazy("authors"))
    # Uploaded by the book's authors through catalog.cover_services (validated, thumbnails
    # made); empty shows a placeholder drawn from the title (catalog.covers).
    cover = models.ImageField(
        gettext_lazy("cover"), upload_to=cover_path, blank=True, default="", editable=False, max_length=200
    )
    created_at = models.DateTimeField(gettext_lazy("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(gettext_lazy("updated at"), auto_now=True)
    # What catalog search matches: title, authors' names, ISBN forms and description,
    # folded by normalize_search_text (compose_search_document). It lives on the row
    # (authors live in other tables); catalog services rebuild it.
    search_document = models.TextField(blank=True, default="", editable=False)
    # The document as a weighted tsvector (title A, names and ISBNs B, description D),
    # GIN-indexed: on PostgreSQL a trigger of migration 0005 derives it from
    # search_document on every insert and every write of the document, whoever writes
    # (services, bulk_update, bulk_create, migrations), so no Python code sets it. On
    # SQLite it stays empty: search falls back to the document there (catalog.filters).
    search_vector = SearchVectorField(null=True, editable=False)
    # R28: a book that was ever lent is withdrawn, not deleted, so its history stays.
    withdrawn_at = models.DateTimeField(gettext_lazy("withdrawn at"), null=True, blank=True, editable=False)
    # R37: the visible reviews' count and the sum of their ratings, kept by the reviews'
    # services under this row's lock (add_ratings); the average is the database's, stored
    # and indexed so that the catalog sorts by it without reading every book.
    rating_count = models.PositiveIntegerField(gettext_lazy("reviews"), default=0, editable=False)
    rating_sum = models.PositiveIntegerField(gettext_lazy("sum of ratings"), default=0, editable=False)
    rating_average = models.GeneratedField(
        expression=Case(
            When(rating_count__gt=0, then=Cast("rating_sum", FloatField()) / Cast("rating_count", FloatField())),
            default=None,
        ),
        output_field=FloatField(null=True),
        db_persist=True,
        verbose_name=gettext_lazy("average rating"),
    )

    objects = BookQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]
        verbose_name = gettext_lazy("book")
        verbose_name_plural = gettext_lazy("books")
        constraints = [
            models.CheckConstraint(condition=Q(units__gte=0), name="book_units_not_negative"),
            models.CheckConstraint(condition=Q(price__gte=0), name="book_price_not_negative"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="book_stock_not_negative"),
            models.CheckConstraint(condition=Q(isbn__regex=r"^([0-9]{9}[0-9X]|[0-9]{13})$"), name="book_isbn_compact"),
            models.CheckConstraint(
                condition=Q(units_on_loan__gte=0) & Q(units_on_loan__lte=F("units")),
                name="book_not_oversold",
            ),
            models.CheckConstraint(
                condition=Q(rating_sum__gte=F("rating_count")) & Q(rating_sum__lte=F("rating_count") * 5),
                name="book_ratings_in_range",
            ),
        ]
        # GET books/?ordering=-rating and =rating (catalog.filters.RATING_ORDER): an index walk, no
        # sort, on PostgreSQL; SQLite cannot index NULLS LAST (core.indexes.PortableIndex).
        indexes = [
            PortableIndex(*order, "title", "id", name=name, condition=Q(withdrawn_at__isnull=True))
            for name, order in (
                ("book_rating_order_idx", (F("rating_average").desc(nulls_last=True), F("rating_count").desc())),
                ("book_rating_asc_idx", (F("rating_average").asc(nulls_last=True), F("rating_count").desc())),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def free_units(self) -> int:
        """Units not held by an active reservation (as last recorded)."""
        return self.units - self.units_on_loan

    def build_search_document(self) -> str:
        """Return the text search matches for this book (its authors must be saved)."""
        names = []
        for author in self.authors.all():
            user = author.user
            names += [user.first_name, user.last_name, user.username]
        isbns = sorted(isbn_forms(self.isbn)) or [self.isbn]
        return compose_search_document(title=self.title, names=names, isbns=isbns, description=self.description)

    def refresh_search_document(self) -> None:
        """Rebuild and store the search document, after the title, ISBN, text or authors change."""
        self.search_document = self.build_search_document()
        Book.objects.filter(pk=self.pk).update(search_document=self.search_document)
        invalidate_catalog_cache()

    def save(self, *args, **kwargs) -> None:
        """Save; cached book lists go stale at commit, and their count when the book is new, withdrawn or back."""
        came_or_went = self._state.adding or "withdrawn_at" in (kwargs.get("update_fields") or ())
        super().save(*args, **kwargs)
        invalidate_catalog_cache(books_added_or_deleted=came_or_went)

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        invalidate_catalog_cache(books_added_or_deleted=True)
        return deleted

    def lend(self) -> None:
        """Implements R9: one more unit of this book on loan, counted in its row.

        An F() update, as django-oscar's ``StockRecord.allocate``: the database adds the
        unit, so no write of a count read earlier can be lost, and the check constraint
        ``book_not_oversold`` refuses a unit the book does not have. The caller holds the
        row's lock (``lock_book``), so this copy's count stays the row's. The last free unit
        lent sends ``catalog.signals.units_ran_out`` (R38 listens).
        """
        _ADD_UNITS_ON_LOAN.run(self.pk, 1)
        self.units_on_loan += 1
        invalidate_catalog_cache()
        if self.units_on_loan >= self.units:
            units_ran_out.send(sender=Book, book=self)

    def take_back(self) -> None:
        """Implements R9 and R13's start: a unit of this book comes back (``lend``'s inverse)."""
        _ADD_UNITS_ON_LOAN.run(self.pk, -1)
        self.units_on_loan -= 1
        invalidate_catalog_cache()

    def sell(self, quantity: int) -> None:
        """`quantity` fewer copies for sale, an F() update. Implements R34 and R35 (the stock a checkout takes).

        As ``lend``: the caller holds the row's lock (``lock_book``), and the check constraint
        ``book_stock_not_negative`` refuses a sale of copies the book does not have. The last
        copy sold sends ``catalog.signals.stock_ran_out`` (R38 listens).
        """
        if quantity <= 0:
            raise ValueError("A sale is of one copy or more.")
        _ADD_STOCK.run(self.pk, -quantity)
        self.stock -= quantity
        invalidate_catalog_cache()
        if self.stock == 0:
            stock_ran_out.send(sender=Book, book=self)

    def restock(self, quantity: int) -> None:
        """`quantity` more copies for sale (``sell``'s inverse). Implements R34 and R36 (a cancel's copies back).

        Sends ``catalog.signals.stock_raised`` in the caller's transaction (R38 listens).
        """
        if quantity <= 0:
            raise ValueError("A restock is of one copy or more.")
        before = self.stock
        _ADD_STOCK.run(self.pk, quantity)
        self.stock += quantity
        invalidate_catalog_cache()
        stock_raised.send(sender=Book, book=self, before=before)

    def add_ratings(self, *, count: int, total: int) -> None:
        """Implements R37's average and count: `count` more visible reviews whose ratings add up to `total`.

        Negative for a review deleted or hidden, ``count=0`` for a rating changed. An F()
        update, like ``lend``: the caller holds the row's lock (``lock_book``), and the
        check constraint ``book_ratings_in_range`` refuses sums no ratings of 1 to 5 make.
        """
        Book.objects.filter(pk=self.pk).update(
            rating_count=F("rating_count") + count, rating_sum=F("rating_sum") + total
        )
        self.rating_count += count
        self.rating_sum += total
        self.rating_average = self.rating_sum / self.rating_count if self.rating_count else None
        invalidate_catalog_cache()

    def clean_fields(self, exclude=None) -> None:
        # Strip separators first, so "978-0-306-40615-7" passes the 13-character limit.
        if self.isbn:
            self.isbn = normalize_isbn(self.isbn)
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        if self.units is not None and self.units < self.units_on_loan:
            raise ValidationError(
                {
                    "units": _("%(count)s units are on loan; units cannot go below that.")
                    % {"count": number(self.units_on_loan)}
                },
                code="units_below_on_loan",
            )


# A loan's start and end, and every change to a book's loans and queue, compiled once per
# thread (core.compiled): the same statements as the ORM's, without building them again.
_ADD_UNITS_ON_LOAN = CompiledIncrement(Book, "units_on_loan")
_ADD_STOCK = CompiledIncrement(Book, "stock")
_BOOK_LOCK = {
    skip: CompiledQuery(
        lambda pk, skip=skip: Book.objects.select_for_update(skip_locked=skip).filter(pk=pk).order_by()[:1],
        pk=Param("pk", 0),
    )
    for skip in (False, True)
}


def lock_book(book: Book | int, *, skip_locked: bool = False) -> Book | None:
    """The book's row re-read under a row lock: None if it is gone, or locked and `skip_locked`.

    The first lock of every change to a book, its loans and its queue (the lock order of
    docs/architecture.md). It only locks: whoever then changes the book or its
    reservations makes the cached lists stale where it writes.
    """
    return _BOOK_LOCK[skip_locked].first(pk=book if isinstance(book, int) else book.pk)
