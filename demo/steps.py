"""Make the demo data's rows through the real services (SPEC section 2).

Users come from ``register_user``, wallets from ``charge_wallet`` (the fake gateway),
subscriptions from ``buy_subscription`` and every reservation from ``reserve``,
``return_reservation``, ``leave_queue`` and the background use cases, each called with
an explicit ``now`` in the past. So the ledger, the queues and the units on loan obey
the same invariants as real data: balance = sum of the ledger (R19), units on loan =
active reservations (R9), queues served in R12 order (R13). The shop's events
(demo/shop_data.py: stock, orders, reviews, wishes) join the story by time and run
through the shop's services the same way (demo/shop_steps.py).

Idempotent: reference rows (cities, genres, authors, books, the admin) are looked up
by their natural key before being created; the customers and their history are made
only when none of the demo customers exists yet, and wallet charges carry the
idempotency key ``seed-<username>-1``. A second run creates nothing.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import assert_never

from django.core.management.base import CommandError
from django.db.models import F
from django.utils import timezone
from stdnum import ean, iban
from stdnum import isbn as stdnum_isbn

from accounts.models import Author, City, Customer, Notification, Role, User
from accounts.services import register_user, set_auto_renew
from billing.models import WalletTransaction
from billing.services import buy_subscription, charge_wallet, end_or_renew_subscriptions
from catalog.models import Book, Genre
from core.exceptions import DomainError
from demo.data import (
    ADMIN,
    AUTHORS,
    BOOKS,
    CITIES,
    CUSTOMERS,
    DEMO_PASSWORD,
    GENRES,
    HISTORY,
    AdminEnd,
    AuthorSeed,
    AutoRenew,
    Beat,
    BookSeed,
    Charge,
    LeaveQueue,
    Pause,
    Person,
    Renew,
    Reserve,
    Return,
    Step,
    Subscribe,
)
from reservations.expiry import expire_due_reservations
from reservations.models import Reservation
from reservations.notifications import notify_ending_soon
from reservations.pauses import pause, resume_due_pauses
from reservations.renewals import renew
from reservations.services import end_reservation_by_admin, leave_queue, reserve, return_reservation
from reviews.models import Review
from shop.models import CartItem, Order, OrderLine
from wishlist.models import WishedBook

from .shop_data import SHOP_HISTORY, ShopStep
from .shop_steps import ShopStory

SEEDED_MODELS = (
    *(User, Customer, Author, City, Genre, Book, Reservation, WalletTransaction, Notification),
    *(CartItem, Order, OrderLine, Review, WishedBook),
)


def row_counts() -> dict[str, int]:
    """Count the rows of each table the demo fills, by the table's plural name."""
    return {model._meta.verbose_name_plural.title(): model.objects.count() for model in SEEDED_MODELS}


@dataclass(frozen=True)
class Outcome:
    """What one seeding did."""

    created: bool  # whether any row was created
    created_usernames: frozenset[str]  # the users this run registered
    history_skipped: bool  # some demo customers existed already, so HISTORY was not replayed


def seed(*, now: datetime) -> Outcome:
    """Create whatever demo rows are missing, the history ending at `now`.

    Call it inside one transaction: a step that fails leaves the rows before it behind.
    """
    return Seeding(now=now).run()


# Reference rows ----------------------------------------------------------------------


def isbn_of(seed: BookSeed) -> str:
    """Return the book's ISBN: its 12 digits and their check digit, as ISBN-10 if asked."""
    isbn13 = seed.isbn_body + ean.calc_check_digit(seed.isbn_body)
    return stdnum_isbn.to_isbn10(isbn13) if seed.as_isbn10 else isbn13


def goodreads_link(seed: AuthorSeed) -> str:
    """Return a Goodreads search for the author's name."""
    return f"https://www.goodreads.com/search?q={seed.username.replace('_', '+')}"


def iranian_iban(serial: int) -> str:
    """Return a checksum-valid Iranian IBAN (IR + 24 digits) for `serial`."""
    bban = f"0170000000{serial:012d}"
    return "IR" + iban.calc_check_digits(f"IR00{bban}") + bban


@dataclass
class Seeding:
    """One run: the reference rows looked up or made, then the customers and their history."""

    now: datetime
    created_usernames: set[str] = field(default_factory=set)

    def run(self) -> Outcome:
        before = row_counts()
        cities = {name: City.objects.get_or_create(name=name)[0] for name in CITIES}
        genres = {name: Genre.objects.get_or_create(name=name, defaults={"slug": slug})[0] for name, slug in GENRES}
        authors = {seed.username: self.ensure_author(seed, cities) for seed in AUTHORS}
        books = {seed.key: self.ensure_book(seed, genres, authors) for seed in BOOKS}
        self.ensure_admin()

        existing = set(
            User.objects.filter(username__in=[c.username for c in CUSTOMERS]).values_list("username", flat=True)
        )
        if not existing:
            for person in CUSTOMERS:
                self.register(person, Role.CUSTOMER)
            admin = User.objects.get(username=ADMIN.username)
            # The shop's events join the lending story by time; a tie keeps HISTORY's first.
            steps = tuple(sorted((*HISTORY, *SHOP_HISTORY), key=lambda step: -step.days_ago))
            Story(now=self.now, books=books, shop=ShopStory(books=books, admin=admin)).play(steps)
        return Outcome(
            created=row_counts() != before,
            created_usernames=frozenset(self.created_usernames),
            history_skipped=bool(existing) and len(existing) < len(CUSTOMERS),
        )

    def register(self, person: Person, role: str) -> User:
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

    def ensure_author(self, seed: AuthorSeed, cities: dict[str, City]) -> Author:
        existing = Author.objects.filter(user__username=seed.username).first()
        if existing:
            return existing
        author = self.register(seed, Role.AUTHOR).author
        author.city = cities[seed.city]
        author.bio = seed.bio
        author.goodreads_link = goodreads_link(seed)
        author.bank_account_number = iranian_iban(seed.iban_serial) if seed.iban_serial else ""
        author.full_clean()
        author.save()
        return author

    @staticmethod
    def ensure_book(seed: BookSeed, genres: dict[str, Genre], authors: dict[str, Author]) -> Book:
        isbn = isbn_of(seed)
        existing = Book.objects.filter(isbn=isbn).first()
        if existing:
            return existing
        book = Book(
            title=seed.title,
            isbn=isbn,
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

    def ensure_admin(self) -> None:
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


# History -----------------------------------------------------------------------------


@dataclass
class Story:
    """Replay HISTORY through the services, each step at its own moment in the past."""

    now: datetime
    books: dict[str, Book]
    shop: ShopStory
    reservations: dict[tuple[str, str], int] = field(default_factory=dict)

    def play(self, steps: tuple[Step | ShopStep, ...]) -> None:
        previous = None
        for step in steps:
            at = self.now - timedelta(days=step.days_ago)
            if previous is not None and at < previous:
                raise CommandError(f"HISTORY is out of order at {step.days_ago} days ago ({step}).")
            previous = at
            try:
                self.run(step, at)
            except DomainError as error:
                raise CommandError(f"Step {step.days_ago} days ago ({step}) failed: {error}") from error
        # Send the "ending soon" notices as the worker would, marking each loan as told.
        notify_ending_soon(now=self.now)
        # The history is the past: its notices count as delivered, so the first
        # `make run` does not text every demo customer about last month.
        Notification.objects.filter(sent_at__isnull=True).update(sent_at=F("created_at"))

    def run(self, step: Step | ShopStep, at: datetime) -> None:
        """Run one step at `at` through the service it stands for, chosen by its type."""
        if isinstance(step, ShopStep):
            self.shop.run(step, at)
            return
        match step:
            case Charge(username=username, amount=amount):
                key = f"seed-{username}-1"
                charge_wallet(customer=self.customer(username), amount=amount, idempotency_key=key, now=at)
            case Subscribe(username=username, tier=tier, months=months):
                buy_subscription(customer=self.customer(username), tier=tier, months=months, now=at)
            case AutoRenew(username=username):
                set_auto_renew(customer=self.customer(username), enabled=True)
            case Reserve(username=username, book=book, days=days):
                made = reserve(customer=self.customer(username), book=self.books[book], days=days, now=at)
                self.reservations[(username, book)] = made.pk
            case Return(username=username, book=book):
                reservation = self.reservation(username, book)
                return_reservation(customer=self.customer(username), reservation=reservation, now=at)
            case LeaveQueue(username=username, book=book):
                leave_queue(customer=self.customer(username), reservation=self.reservation(username, book), now=at)
            case AdminEnd(username=username, book=book):
                end_reservation_by_admin(reservation=self.reservation(username, book), now=at)
            case Renew(username=username, book=book, days=days):
                renew(customer=self.customer(username), reservation=self.reservation(username, book), days=days, now=at)
            case Pause(username=username, book=book, until_days_ago=until_days_ago):
                until = timezone.localtime(self.now - timedelta(days=until_days_ago)).date()
                entry = self.reservation(username, book)
                pause(customer=self.customer(username), reservation=entry, until=until, now=at)
            case Beat():
                # The periodic use cases, as the Celery beat would run them (R5, R13, R16, R20).
                end_or_renew_subscriptions(now=at)
                expire_due_reservations(now=at)
                resume_due_pauses(now=at)
            case _:
                assert_never(step)

    @staticmethod
    def customer(username: str) -> Customer:
        # Fresh each time: earlier steps change tiers and balances under row locks.
        return Customer.objects.select_related("user").get(user__username=username)

    def reservation(self, username: str, book_key: str) -> Reservation:
        return Reservation.objects.get(pk=self.reservations[(username, book_key)])
