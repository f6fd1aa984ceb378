"""Fill every table with realistic demo data, made by the real services (SPEC section 2).

Users come from ``register_user``, wallets from ``charge_wallet`` (the fake gateway),
subscriptions from ``buy_subscription`` and every reservation from ``reserve``,
``return_reservation``, ``leave_queue`` and the background use cases, each called with
an explicit ``now`` in the past. So the ledger, the queues and the units on loan obey
the same invariants as real data: balance = sum of the ledger (R19), units on loan =
active reservations (R9), queues served in R12 order (R13).

Idempotent: reference rows (cities, genres, authors, books, the admin) are looked up
by their natural key before being created; the customers and their history are made
only when none of the demo customers exists yet, and wallet charges carry the
idempotency key ``seed-<username>-1``. A second run only prints the demo accounts.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from stdnum import ean, iban
from stdnum import isbn as stdnum_isbn

from accounts.models import Author, City, Customer, Notification, Role, Tier, User
from accounts.services import register_user
from billing.models import WalletTransaction
from billing.services import buy_subscription, charge_wallet, end_or_renew_subscriptions, set_auto_renew
from catalog.models import Book, Genre
from core.exceptions import DomainError
from reservations.models import Reservation
from reservations.notifications import notify_ending_soon
from reservations.services import (
    end_reservation_by_admin,
    expire_due_reservations,
    leave_queue,
    reserve,
    return_reservation,
)

# Passes Django's password validators; every seeded user shares it.
DEMO_PASSWORD = "demo-pass-2026"
ADMIN_USERNAME = "admin"

CITIES = (
    "Tehran",
    "Mashhad",
    "Isfahan",
    "Shiraz",
    "Tabriz",
    "Sabzevar",
    "Abadan",
    "Rasht",
    "Yazd",
    "Kerman",
    "London",
    "Bath",
    "Paris",
    "Dublin",
)

GENRES = (
    ("Novel", "novel"),
    ("Novella", "novella"),
    ("Short Stories", "short-stories"),
    ("Historical Fiction", "historical-fiction"),
    ("Modernist Fiction", "modernist-fiction"),
    ("Magical Realism", "magical-realism"),
    ("Classics", "classics"),
    ("Dystopian Fiction", "dystopian-fiction"),
    ("Satire", "satire"),
    ("Essays", "essays"),
    ("Poetry", "poetry"),
    ("Children's Books", "childrens-books"),
)


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str
    phone: str


@dataclass(frozen=True)
class AuthorSeed(Person):
    city: str = ""
    bio: str = ""
    iban_serial: int | None = None  # an Iranian IBAN for authors paid in Iran

    @property
    def goodreads_link(self) -> str:
        return f"https://www.goodreads.com/search?q={self.username.replace('_', '+')}"


@dataclass(frozen=True)
class BookSeed:
    key: str  # how HISTORY names the book
    title: str
    isbn_body: str  # the first 12 digits of the ISBN-13; the check digit is calculated
    genre: str
    price: int
    units: int
    authors: tuple[str, ...]
    description: str
    as_isbn10: bool = False  # store the older ISBN-10 form, as a pre-2007 print run would

    @property
    def isbn(self) -> str:
        isbn13 = self.isbn_body + ean.calc_check_digit(self.isbn_body)
        return stdnum_isbn.to_isbn10(isbn13) if self.as_isbn10 else isbn13


AUTHORS = (
    AuthorSeed(
        "sadegh_hedayat",
        "صادق",
        "هدایت",
        "+989125550101",
        city="Tehran",
        bio="Pioneer of modern Persian fiction; wrote The Blind Owl in 1937.",
        iban_serial=101,
    ),
    AuthorSeed(
        "mahmoud_dowlatabadi",
        "محمود",
        "دولت‌آبادی",
        "+989125550102",
        city="Sabzevar",
        bio="Novelist of rural Khorasan, author of the ten-volume Kelidar.",
        iban_serial=102,
    ),
    AuthorSeed(
        "abbas_maroufi",
        "عباس",
        "معروفی",
        "+989125550103",
        city="Tehran",
        bio="Novelist and editor; Symphony of the Dead is set in Ardabil.",
        iban_serial=103,
    ),
    AuthorSeed(
        "simin_daneshvar",
        "سیمین",
        "دانشور",
        "+989125550104",
        city="Shiraz",
        bio="Novelist and translator; Savushun portrays Shiraz under wartime occupation.",
        iban_serial=104,
    ),
    AuthorSeed(
        "houshang_golshiri",
        "هوشنگ",
        "گلشیری",
        "+989125550105",
        city="Isfahan",
        bio="Modernist storyteller from Isfahan, known for Prince Ehtejab.",
        iban_serial=105,
    ),
    AuthorSeed(
        "jalal_al_e_ahmad",
        "جلال",
        "آل‌احمد",
        "+989125550106",
        city="Tehran",
        bio="Essayist and novelist; The School Principal drew on his years as a teacher.",
        iban_serial=106,
    ),
    AuthorSeed(
        "zoya_pirzad",
        "زویا",
        "پیرزاد",
        "+989125550107",
        city="Abadan",
        bio="Novelist of family life among the Armenians of Abadan.",
        iban_serial=107,
    ),
    AuthorSeed(
        "shahrnush_parsipur",
        "شهرنوش",
        "پارسی‌پور",
        "+989125550108",
        city="Tehran",
        bio="Novelist; Women Without Men follows five women through the summer of 1953.",
        iban_serial=108,
    ),
    AuthorSeed(
        "jane_austen",
        "Jane",
        "Austen",
        "+447700900101",
        city="Bath",
        bio="English novelist of manners, wit and marriage.",
    ),
    AuthorSeed(
        "george_orwell",
        "George",
        "Orwell",
        "+447700900102",
        city="London",
        bio="Essayist and novelist; wrote Animal Farm and Nineteen Eighty-Four.",
    ),
    AuthorSeed(
        "virginia_woolf",
        "Virginia",
        "Woolf",
        "+447700900103",
        city="London",
        bio="Modernist novelist and essayist of the Bloomsbury Group.",
    ),
    AuthorSeed(
        "demo_author",
        "Negar",
        "Tabrizi",
        "+989355550100",
        city="Tabriz",
        bio="Librarian from Tabriz who writes about the people who borrow books.",
        iban_serial=199,
    ),
)

BOOKS = (
    BookSeed(
        "blind_owl",
        "بوف کور",
        "978964615306",
        "Novella",
        180_000,
        2,
        ("sadegh_hedayat",),
        "The Blind Owl (1937): a pen-case painter tells his nightmares to his own shadow.",
    ),
    BookSeed(
        "three_drops",
        "سه قطره خون",
        "978964615311",
        "Short Stories",
        120_000,
        1,
        ("sadegh_hedayat",),
        "Three Drops of Blood (1932): eleven stories of madness, loss and Tehran life.",
    ),
    BookSeed(
        "kelidar",
        "کلیدر",
        "978964600142",
        "Historical Fiction",
        650_000,
        1,
        ("mahmoud_dowlatabadi",),
        "Kelidar: the Kalmishi family, Kurdish herders of Khorasan, in the 1940s. Ten volumes in five books.",
    ),
    BookSeed(
        "soluch",
        "جای خالی سلوچ",
        "978964600159",
        "Novel",
        210_000,
        2,
        ("mahmoud_dowlatabadi",),
        "Missing Soluch (1979): Mergan raises her children in a village after her husband vanishes.",
    ),
    BookSeed(
        "symphony",
        "سمفونی مردگان",
        "978964593108",
        "Modernist Fiction",
        240_000,
        1,
        ("abbas_maroufi",),
        "Symphony of the Dead (1989): two brothers, an Ardabil winter and a family undone by envy.",
    ),
    BookSeed(
        "savushun",
        "سووشون",
        "978964548017",
        "Historical Fiction",
        260_000,
        3,
        ("simin_daneshvar",),
        "Savushun (1969): Zari and Yusof in Shiraz during the Allied occupation of the Second World War.",
    ),
    BookSeed(
        "prince",
        "شازده احتجاب",
        "978964599213",
        "Modernist Fiction",
        150_000,
        1,
        ("houshang_golshiri",),
        "Prince Ehtejab (1969): the last of a Qajar line, dying, remembers his ancestors' cruelty.",
    ),
    BookSeed(
        "principal",
        "مدیر مدرسه",
        "978964572304",
        "Novella",
        110_000,
        2,
        ("jalal_al_e_ahmad",),
        "The School Principal (1958): a weary teacher takes over a school on the edge of Tehran.",
    ),
    BookSeed(
        "lights",
        "چراغ‌ها را من خاموش می‌کنم",
        "978964305112",
        "Novel",
        230_000,
        2,
        ("zoya_pirzad",),
        "I Turn Off the Lights (2001): Clarisse, an Armenian housewife in 1960s Abadan, and new neighbours.",
    ),
    BookSeed(
        "women",
        "زنان بدون مردان",
        "978622600417",
        "Magical Realism",
        170_000,
        2,
        ("shahrnush_parsipur",),
        "Women Without Men (1989): five women find their way to a garden in Karaj in the summer of 1953.",
    ),
    BookSeed(
        "pride",
        "Pride and Prejudice",
        "978014143951",
        "Classics",
        320_000,
        3,
        ("jane_austen",),
        "Elizabeth Bennet and Mr Darcy misjudge each other across the drawing rooms of Hertfordshire.",
        as_isbn10=True,
    ),
    BookSeed(
        "nineteen",
        "Nineteen Eighty-Four",
        "978014118776",
        "Dystopian Fiction",
        340_000,
        2,
        ("george_orwell",),
        "Winston Smith rewrites history at the Ministry of Truth until he falls in love.",
    ),
    BookSeed(
        "animal_farm",
        "Animal Farm",
        "978014103613",
        "Satire",
        190_000,
        2,
        ("george_orwell",),
        "The animals of Manor Farm drive out the farmer; some turn out more equal than others.",
    ),
    BookSeed(
        "dalloway",
        "Mrs Dalloway",
        "978015662870",
        "Modernist Fiction",
        280_000,
        1,
        ("virginia_woolf",),
        "One June day in 1923 London, as Clarissa Dalloway prepares a party.",
        as_isbn10=True,
    ),
    BookSeed(
        "room",
        "A Room of One's Own",
        "978015678733",
        "Essays",
        160_000,
        1,
        ("virginia_woolf",),
        "A woman must have money and a room of her own if she is to write fiction.",
    ),
    BookSeed(
        "letters",
        "Letters from the Lending Library",
        "978600812344",
        "Essays",
        200_000,
        2,
        ("demo_author",),
        "Notes left in returned books, collected by a Tabriz librarian.",
    ),
    BookSeed(
        "little_library",
        "کتابخانه‌ی کوچک تهران",
        "978600812351",
        "Children's Books",
        90_000,
        1,
        ("demo_author", "zoya_pirzad"),
        "A picture book about a girl who opens a library in her grandmother's hallway.",
    ),
)

CUSTOMERS = (
    Person("demo_free", "Dina", "Farahani", "+989355550001"),
    Person("demo_plus", "Pouya", "Lotfi", "+989355550002"),
    Person("demo_premium", "Parisa", "Mohammadi", "+989355550003"),
    Person("sara_ahmadi", "Sara", "Ahmadi", "+989355550004"),
    Person("reza_karimi", "Reza", "Karimi", "+989355550005"),
    Person("maryam_hosseini", "Maryam", "Hosseini", "+989355550006"),
    Person("omid_rahimi", "Omid", "Rahimi", "+989355550007"),
    Person("neda_moradi", "Neda", "Moradi", "+989355550008"),
    Person("ali_rezaei", "Ali", "Rezaei", "+989355550009"),
    Person("john_miller", "John", "Miller", "+447700900201"),
    Person("emma_clark", "Emma", "Clark", "+447700900202"),
    Person("leila_jafari", "Leila", "Jafari", "+989355550010"),
)
ADMIN = Person(ADMIN_USERNAME, "Library", "Admin", "+989355550000")
DEMO_ACCOUNTS = (ADMIN_USERNAME, "demo_free", "demo_plus", "demo_premium", "demo_author")

# The story, oldest first: (days before now, action, arguments). A reservation is named
# by (customer, book key); "beat" runs what the Celery beat would run at that moment.
# What it leaves: Free, Plus and Premium customers; returned, expired, ended-by-admin,
# dropped (no subscription; wallet short) and cancelled entries; promotions from
# queues; a Plus → Premium upgrade with its refund; an auto-renewal; a lapsed plan; the
# 30% (more than 3 books in 30 days) and 100% (more than 300,000 paid in 60 days)
# discounts of R7; active loans, some ending within a day; live queues with Premium first.
HISTORY: tuple[tuple, ...] = (
    (51, "charge", "reza_karimi", 500_000),
    (50, "subscribe", "reza_karimi", Tier.PLUS, 2),
    (46, "charge", "omid_rahimi", 70_000),
    (45, "subscribe", "omid_rahimi", Tier.PLUS, 1),
    (44, "reserve", "omid_rahimi", "kelidar", 7),
    (42, "reserve", "reza_karimi", "kelidar", 5),  # queued behind omid
    (40, "return", "omid_rahimi", "kelidar"),  # reza is promoted
    (38, "reserve", "omid_rahimi", "blind_owl", 4),
    (34, "charge", "maryam_hosseini", 120_000),
    (33, "subscribe", "maryam_hosseini", Tier.PLUS, 1),
    (33, "auto_renew", "maryam_hosseini"),
    (32, "reserve", "maryam_hosseini", "savushun", 7),
    (30, "reserve", "maryam_hosseini", "blind_owl", 5),
    (26, "charge", "sara_ahmadi", 450_000),
    (26, "subscribe", "sara_ahmadi", Tier.PREMIUM, 1),
    (26, "auto_renew", "sara_ahmadi"),
    (25, "reserve", "sara_ahmadi", "savushun", 3),
    (24, "reserve", "sara_ahmadi", "prince", 4),
    (22, "reserve", "sara_ahmadi", "symphony", 2),
    (21, "charge", "demo_plus", 150_000),
    (21, "subscribe", "demo_plus", Tier.PLUS, 2),
    (21, "auto_renew", "demo_plus"),
    (21, "reserve", "sara_ahmadi", "three_drops", 3),
    (20, "subscribe", "reza_karimi", Tier.PREMIUM, 2),  # upgrade: unused Plus refunded
    (20, "reserve", "demo_plus", "kelidar", 7),
    (19.9, "reserve", "reza_karimi", "nineteen", 10),  # 100% off: a big spender
    (19, "reserve", "sara_ahmadi", "pride", 5),  # 30% off: her fifth book in 30 days
    (19, "reserve", "omid_rahimi", "kelidar", 5),  # queued
    (18, "charge", "john_miller", 100_000),
    (18, "subscribe", "john_miller", Tier.PLUS, 1),
    (17, "reserve", "john_miller", "kelidar", 6),  # queued
    (16, "reserve", "demo_plus", "symphony", 5),
    (16, "reserve", "john_miller", "principal", 3),
    (15, "charge", "demo_premium", 400_000),
    (15, "subscribe", "demo_premium", Tier.PREMIUM, 1),
    (15, "auto_renew", "demo_premium"),
    (14.9, "beat"),  # omid's Plus ends
    (14.5, "return", "john_miller", "principal"),
    (14, "return", "demo_plus", "kelidar"),  # omid is dropped (Free now), john promoted
    (13, "reserve", "demo_premium", "prince", 10),
    (12, "charge", "neda_moradi", 60_000),
    (12, "subscribe", "neda_moradi", Tier.PLUS, 1),
    (12, "reserve", "demo_premium", "dalloway", 14),
    (10, "charge", "demo_free", 50_000),
    (10, "reserve", "demo_plus", "nineteen", 7),
    (9, "charge", "emma_clark", 300_000),
    (9, "subscribe", "emma_clark", Tier.PREMIUM, 1),
    (9, "reserve", "emma_clark", "three_drops", 14),
    (8, "charge", "leila_jafari", 80_000),
    (8, "subscribe", "leila_jafari", Tier.PLUS, 1),
    (8, "reserve", "leila_jafari", "soluch", 7),
    (7.5, "reserve", "john_miller", "soluch", 7),
    (7, "reserve", "emma_clark", "soluch", 10),  # queued
    (7, "reserve", "neda_moradi", "prince", 5),  # queued
    (6.5, "reserve", "leila_jafari", "prince", 5),  # queued
    (6, "charge", "ali_rezaei", 20_000),
    (6, "reserve", "maryam_hosseini", "soluch", 4),  # queued behind emma
    (6, "return", "demo_plus", "nineteen"),
    (6, "reserve", "neda_moradi", "women", 7),  # her wallet can no longer pay for prince
    (5.5, "reserve", "reza_karimi", "women", 14),
    (5, "reserve", "reza_karimi", "blind_owl", 14),
    (5, "reserve", "sara_ahmadi", "kelidar", 14),
    (4, "admin_end", "reza_karimi", "blind_owl"),
    (4, "reserve", "demo_plus", "kelidar", 7),  # queued
    (3.5, "reserve", "emma_clark", "kelidar", 10),  # queued, ahead of demo_plus (R12)
    (2.9, "beat"),  # maryam renewed; prince expires: neda dropped (wallet), leila promoted
    (2, "reserve", "leila_jafari", "dalloway", 7),  # queued
    (2, "reserve", "demo_plus", "lights", 7),
    (1.5, "reserve", "demo_plus", "letters", 2),
    (1, "leave", "leila_jafari", "dalloway"),
    (1, "reserve", "john_miller", "pride", 7),
    (1, "reserve", "demo_premium", "savushun", 14),
    (1, "reserve", "demo_premium", "three_drops", 7),  # queued behind emma's loan
    (0.8, "reserve", "john_miller", "women", 7),  # queued
    (0.5, "reserve", "sara_ahmadi", "little_library", 3),
    (0, "beat"),  # soluch's loans expire: emma, then maryam, promoted
)


def _iranian_iban(serial: int) -> str:
    """Return a checksum-valid Iranian IBAN (IR + 24 digits) for `serial`."""
    bban = f"0170000000{serial:012d}"
    return "IR" + iban.calc_check_digits(f"IR00{bban}") + bban


class Command(BaseCommand):
    help = "Fill every table with demo data made by the real services, then print the demo accounts. Idempotent."

    def handle(self, *args, **options) -> None:
        now = timezone.now().replace(microsecond=0)
        self.created_usernames: set[str] = set()
        try:
            with transaction.atomic():
                created = self._seed(now)
        except (DomainError, ValidationError, IntegrityError) as error:
            raise CommandError(f"Seeding failed, nothing was saved: {error}") from error

        if created:
            self.stdout.write(self.style.SUCCESS("Demo data created."))
        else:
            self.stdout.write("Demo data already present; nothing created.")
        self._print_counts()
        self._print_accounts(now)

    # Seeding -------------------------------------------------------------------------

    def _seed(self, now: datetime) -> bool:
        """Create whatever demo rows are missing; return whether anything was created."""
        before = self._counts()
        cities = {name: City.objects.get_or_create(name=name)[0] for name in CITIES}
        genres = {name: Genre.objects.get_or_create(name=name, defaults={"slug": slug})[0] for name, slug in GENRES}
        authors = {seed.username: self._ensure_author(seed, cities) for seed in AUTHORS}
        books = {seed.key: self._ensure_book(seed, genres, authors) for seed in BOOKS}
        self._ensure_admin()

        existing = set(
            User.objects.filter(username__in=[c.username for c in CUSTOMERS]).values_list("username", flat=True)
        )
        if not existing:
            for person in CUSTOMERS:
                self._register(person, Role.CUSTOMER)
            DemoHistory(now=now, books=books).play(HISTORY)
        elif len(existing) < len(CUSTOMERS):
            self.stdout.write(
                self.style.WARNING(
                    "Some demo customers already exist, so their reservation history was not replayed. "
                    "Delete them (or the database) to seed it again."
                )
            )
        return self._counts() != before

    def _register(self, person: Person, role: str) -> User:
        user = register_user(
            username=person.username,
            email=f"{person.username}@example.com",
            phone=person.phone,
            password=DEMO_PASSWORD,
            role=role,
        )
        user.first_name, user.last_name = person.first_name, person.last_name
        user.save(update_fields=["first_name", "last_name"])
        self.created_usernames.add(user.username)
        return user

    def _ensure_author(self, seed: AuthorSeed, cities: dict[str, City]) -> Author:
        existing = Author.objects.filter(user__username=seed.username).first()
        if existing:
            return existing
        author = self._register(seed, Role.AUTHOR).author
        author.city = cities[seed.city]
        author.bio = seed.bio
        author.goodreads_link = seed.goodreads_link
        author.bank_account_number = _iranian_iban(seed.iban_serial) if seed.iban_serial else ""
        author.full_clean()
        author.save()
        return author

    def _ensure_book(self, seed: BookSeed, genres: dict[str, Genre], authors: dict[str, Author]) -> Book:
        existing = Book.objects.filter(isbn=seed.isbn).first()
        if existing:
            return existing
        book = Book(
            title=seed.title,
            isbn=seed.isbn,
            price=seed.price,
            genre=genres[seed.genre],
            description=seed.description,
            units=seed.units,
        )
        book.full_clean()
        book.save()
        book.authors.set([authors[username] for username in seed.authors])
        book.refresh_search_document()
        return book

    def _ensure_admin(self) -> None:
        if not User.objects.filter(username=ADMIN.username).exists():
            User.objects.create_superuser(
                username=ADMIN.username,
                email=f"{ADMIN.username}@example.com",
                phone=ADMIN.phone,
                password=DEMO_PASSWORD,
                first_name=ADMIN.first_name,
                last_name=ADMIN.last_name,
            )
            self.created_usernames.add(ADMIN.username)

    # Output --------------------------------------------------------------------------

    @staticmethod
    def _counts() -> dict[str, int]:
        models = (User, Customer, Author, City, Genre, Book, Reservation, WalletTransaction, Notification)
        return {model._meta.verbose_name_plural.title(): model.objects.count() for model in models}

    def _print_counts(self) -> None:
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in self._counts().items()))

    def _print_accounts(self, now: datetime) -> None:
        users = {user.username: user for user in User.objects.filter(username__in=DEMO_ACCOUNTS)}
        self.stdout.write("")
        self.stdout.write("Demo accounts:")
        self.stdout.write(f"  {'username':<14} {'password':<16} role (tier)")
        for username in DEMO_ACCOUNTS:
            user = users.get(username)
            if user is None:
                continue
            role = user.get_role_display().lower()
            customer = Customer.objects.filter(user=user).first()
            if customer is not None:
                role += f" ({customer.tier_at(now)})"
            # Verifying costs a slow hash: only for accounts this run did not just create.
            known = username in self.created_usernames or user.check_password(DEMO_PASSWORD)
            password = DEMO_PASSWORD if known else "(changed since seeding)"
            self.stdout.write(f"  {username:<14} {password:<16} {role}")
        self.stdout.write(f"Every other seeded user's password is {DEMO_PASSWORD} too.")


@dataclass
class DemoHistory:
    """Replay HISTORY through the services, each step at its own moment in the past."""

    now: datetime
    books: dict[str, Book]
    reservations: dict[tuple[str, str], int] = field(default_factory=dict)

    def play(self, steps: tuple[tuple, ...]) -> None:
        previous = None
        for days_ago, action, *arguments in steps:
            at = self.now - timedelta(days=days_ago)
            if previous is not None and at < previous:
                raise CommandError(f"HISTORY is out of order at {days_ago} days ago ({action}).")
            previous = at
            try:
                getattr(self, f"step_{action}")(at, *arguments)
            except DomainError as error:
                raise CommandError(f"Step {days_ago} days ago ({action} {arguments}) failed: {error}") from error
        self.warn_of_loans_ending_soon()
        # The history is the past: its notices count as delivered, so the first
        # `make run` does not text every demo customer about last month.
        Notification.objects.filter(sent_at__isnull=True).update(sent_at=F("created_at"))

    @staticmethod
    def customer(username: str) -> Customer:
        # Fresh each time: earlier steps change tiers and balances under row locks.
        return Customer.objects.select_related("user").get(user__username=username)

    def reservation(self, username: str, book_key: str) -> Reservation:
        return Reservation.objects.get(pk=self.reservations[(username, book_key)])

    def step_charge(self, at: datetime, username: str, amount: int) -> None:
        charge_wallet(customer=self.customer(username), amount=amount, idempotency_key=f"seed-{username}-1", now=at)

    def step_subscribe(self, at: datetime, username: str, tier: str, months: int) -> None:
        buy_subscription(customer=self.customer(username), tier=tier, months=months, now=at)

    def step_auto_renew(self, at: datetime, username: str) -> None:
        set_auto_renew(customer=self.customer(username), enabled=True)

    def step_reserve(self, at: datetime, username: str, book_key: str, days: int) -> None:
        made = reserve(customer=self.customer(username), book=self.books[book_key], days=days, now=at)
        self.reservations[(username, book_key)] = made.pk

    def step_return(self, at: datetime, username: str, book_key: str) -> None:
        return_reservation(customer=self.customer(username), reservation=self.reservation(username, book_key), now=at)

    def step_leave(self, at: datetime, username: str, book_key: str) -> None:
        leave_queue(customer=self.customer(username), reservation=self.reservation(username, book_key), now=at)

    def step_admin_end(self, at: datetime, username: str, book_key: str) -> None:
        end_reservation_by_admin(reservation=self.reservation(username, book_key), now=at)

    def step_beat(self, at: datetime) -> None:
        """Run the periodic use cases as the Celery beat would at `at` (R5, R13, R16, R20)."""
        end_or_renew_subscriptions(now=at)
        expire_due_reservations(now=at)

    def warn_of_loans_ending_soon(self) -> None:
        """Send the "ending soon" notices as the worker would, marking each loan as told."""
        notify_ending_soon(now=self.now)
