"""Fill the benchmark database: 100,000 books, 20,000 customers, realistic reservations.

Run by ``bench/run.sh`` (``make bench``) on a freshly migrated, empty database with the
production settings in the environment:

    .venv/bin/python bench/generate.py

Rows go in with ``bulk_create`` in large batches, computed in Python (search documents
included, see ``Book.build_search_document``), never with a query per row. The data obey
the invariants the services keep:

- every wallet balance is the sum of its ledger (R19): a charge, the subscription, and one
  debit per reservation that was charged, with ``balance_after`` running in order;
- ``units_on_loan`` is the count of active reservations, never above ``units`` (R9);
- at most one live reservation per customer and book (R8), at most the tier's active
  limit per customer (R10).

Besides the catalog (100,000 books of 1 to 5 units, about a third of them lent out,
some with a queue, and a finished history), it makes the fixtures the benchmarks need,
named in ``var/bench/fixtures.json``:

- ``free_books``: 200 books of 1,000 units (reserving one is instant, R9);
- ``full_books``: 200 books of 1 unit, lent out (reserving one queues, R12);
- ``load_customers`` / ``queue_customers``: 1,000 Premium customers each, with no
  reservation yet and a large balance, who send the POST requests;
- ``release_book``: one unit, held, with 10,000 customers queued (a third Premium);
- ``sweep_books``: 10,000 active reservations already due, 2 per book (R16).

The code: this file makes the rows (``main``); generate_data.py holds the words and names,
generate_rows.py the random numbers, the batches and the ledger.
"""

import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookstore.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from generate_data import GENRES  # noqa: E402
from generate_rows import Ledger, Progress, bulk, isbn13, make_users, rng, title, words  # noqa: E402

from accounts.models import TIER_RULES, Author, City, Customer, Role, Tier  # noqa: E402
from billing.models import TransactionKind, WalletTransaction  # noqa: E402
from catalog.models import Book, Genre, compose_search_document, isbn_forms  # noqa: E402
from reservations.models import DAY, Reservation, Status  # noqa: E402
from reservations.pricing import PRICE_PER_DAY  # noqa: E402

BOOKS = int(os.environ.get("BENCH_BOOKS", 100_000))
CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", 20_000))
AUTHORS = 2_000
QUEUED_ON_RELEASE = 10_000
DUE_FOR_SWEEP = 10_000
LOAD_CUSTOMERS = 1_000
FIXTURE_BOOKS = 200
FIXTURES_FILE = Path(os.environ.get("BENCH_FIXTURES", BASE_DIR / "var" / "bench" / "fixtures.json"))

NOW = timezone.now()


def main() -> None:
    if Book.objects.exists():
        sys.exit("bench/generate.py: the database already holds books; run it on an empty, migrated database")
    started = time.perf_counter()
    password = make_password("bench-pass-2026")

    with transaction.atomic():
        cities = bulk(City, [City(name=f"City {i}") for i in range(30)], "cities")
        genres = bulk(Genre, [Genre(name=name, slug=name.lower()) for name in GENRES], "genres")
        author_users = make_users("author", AUTHORS, Role.AUTHOR, password, 9_000_000_000)
        authors = bulk(Author, [Author(user=user, city=rng.choice(cities)) for user in author_users], "authors")
        author_by_id = {author.pk: author for author in authors}
        user_by_id = {user.pk: user for user in author_users}

        # Books: 1 to 5 units (some fixture books get their own), 1 or 2 authors each.
        special = 2 * FIXTURE_BOOKS + 1 + DUE_FOR_SWEEP // 2
        books, book_authors = [], []
        for i in range(BOOKS):
            units = rng.choice((1, 1, 2, 2, 3, 5))
            books.append(
                Book(
                    title=title(),
                    isbn=isbn13(i + 1),
                    price=rng.randrange(50, 900) * 1_000,
                    genre=rng.choice(genres),
                    description=words(rng.randint(8, 30)),
                    units=units,
                    created_at=NOW - timedelta(days=rng.randint(0, 900)),
                )
            )
            book_authors.append(rng.sample(authors, rng.choice((1, 1, 1, 2))))
        free_books = books[:FIXTURE_BOOKS]
        full_books = books[FIXTURE_BOOKS : 2 * FIXTURE_BOOKS]
        release_book = books[2 * FIXTURE_BOOKS]
        sweep_books = books[2 * FIXTURE_BOOKS + 1 : special]
        for book in free_books:
            book.units = 1_000
        for book in full_books + [release_book]:
            book.units = 1
        for book in sweep_books:
            book.units = 2
        release_book.title = "Bench release book"
        for book, chosen in zip(books, book_authors, strict=True):
            names = []
            for author in chosen:
                user = user_by_id[author.user_id]
                names += [user.first_name, user.last_name, user.username]
            book.search_document = compose_search_document(
                title=book.title, names=names, isbns=sorted(isbn_forms(book.isbn)), description=book.description
            )
        bulk(Book, books, "books")
        links = [
            Book.authors.through(book_id=book.pk, author_id=author.pk)
            for book, chosen in zip(books, book_authors, strict=True)
            for author in chosen
        ]
        bulk(Book.authors.through, links, "book authors")
        del author_by_id

        # Customers: load and queue customers are Premium with a big wallet and no history;
        # the rest are Plus or Premium (a third), subscribed for another 1 to 30 days.
        customer_users = make_users("customer", CUSTOMERS, Role.CUSTOMER, password, 9_100_000_000)
        customers, tiers = [], []
        for i, user in enumerate(customer_users):
            fixture = i < 2 * LOAD_CUSTOMERS
            tier = Tier.PREMIUM if fixture or rng.random() < 1 / 3 else Tier.PLUS
            tiers.append(tier)
            customers.append(
                Customer(
                    user=user,
                    tier=tier,
                    subscription_ends_at=NOW + timedelta(days=rng.randint(1, 30) if not fixture else 60),
                    auto_renew=rng.random() < 0.5,
                )
            )
        bulk(Customer, customers, "customers")
        load_customers = customers[:LOAD_CUSTOMERS]
        queue_customers = customers[LOAD_CUSTOMERS : 2 * LOAD_CUSTOMERS]
        others = customers[2 * LOAD_CUSTOMERS :]

        ledger = Ledger()
        charged_at = NOW - timedelta(days=200)
        fixture_ids = {customer.pk for customer in load_customers + queue_customers}
        for customer in customers:
            fixture = customer.pk in fixture_ids
            ledger.add(customer.pk, 100_000_000 if fixture else 2_000_000, TransactionKind.CHARGE, charged_at, "bench")
            price = TIER_RULES[customer.tier].monthly_price
            ledger.add(
                customer.pk,
                -price,
                TransactionKind.SUBSCRIPTION,
                customer.subscription_ends_at - timedelta(days=30) - timedelta(days=1),
                f"{customer.get_tier_display()} × 1 month",
            )

        reservations: list[Reservation] = []
        active_count: dict[int, int] = {}
        live_pairs: set[tuple[int, int]] = set()
        on_loan: dict[int, int] = {}

        def loan(customer: Customer, book: Book, starts_at, days: int, status=Status.ACTIVE) -> bool:
            pair = (customer.pk, book.pk)
            running = status == Status.ACTIVE
            if running:
                rule = TIER_RULES[customer.tier]
                if pair in live_pairs or active_count.get(customer.pk, 0) >= rule.max_active:
                    return False
                if days > rule.max_days:
                    days = rule.max_days
                live_pairs.add(pair)
                active_count[customer.pk] = active_count.get(customer.pk, 0) + 1
                on_loan[book.pk] = on_loan.get(book.pk, 0) + 1
            ends_at = starts_at + DAY * days
            price = PRICE_PER_DAY * days
            reservations.append(
                Reservation(
                    customer=customer,
                    book=book,
                    status=status,
                    requested_at=starts_at,
                    days=days,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    price=price,
                    discount=0,
                    ended_at=None if running else min(ends_at, starts_at + DAY * rng.randint(1, days)),
                    end_reason="" if running else status,
                )
            )
            ledger.add(customer.pk, -price, TransactionKind.RESERVATION, starts_at, f"Reservation: {book.title}")
            return True

        # Fixture loans: the full books and the release book are held; the sweep books
        # each have two loans whose end has come (R16).
        for book in full_books + [release_book]:
            loan(rng.choice(others), book, NOW - timedelta(days=1), 5)
        sweepers = iter(rng.sample(others, len(others)) * 2)
        for book in sweep_books:
            for _ in range(2):
                while not loan(next(sweepers), book, NOW - timedelta(days=3, hours=rng.randint(1, 20)), 2):
                    pass

        # The catalog's ordinary life: a third of the other books lent out, history of
        # finished loans, and short queues on some full ones.
        ordinary = books[special:]
        progress = Progress("reservations (plan)", len(ordinary))
        for index, book in enumerate(ordinary):
            if rng.random() < 1 / 3:
                for _ in range(rng.randint(1, book.units)):
                    loan(rng.choice(others), book, NOW - timedelta(hours=rng.randint(1, 100)), rng.randint(5, 7))
            if rng.random() < 0.15:
                loan(
                    rng.choice(others),
                    book,
                    NOW - timedelta(days=rng.randint(20, 150)),
                    rng.randint(1, 7),
                    rng.choice((Status.RETURNED, Status.EXPIRED)),
                )
            if on_loan.get(book.pk, 0) >= book.units and rng.random() < 0.2:
                for _ in range(rng.randint(1, 3)):
                    customer = rng.choice(others)
                    if (customer.pk, book.pk) in live_pairs:
                        continue
                    live_pairs.add((customer.pk, book.pk))
                    reservations.append(
                        Reservation(
                            customer=customer,
                            book=book,
                            status=Status.QUEUED,
                            requested_at=NOW - timedelta(minutes=rng.randint(1, 5000)),
                            days=rng.randint(1, TIER_RULES[customer.tier].max_days),
                        )
                    )
            if index % 10_000 == 9_999 or index == len(ordinary) - 1:
                progress.advance(10_000 if index % 10_000 == 9_999 else (index + 1) % 10_000)

        # The deep queue: 10,000 customers wait for the release book, a third Premium (R12).
        waiting = rng.sample(others, QUEUED_ON_RELEASE)
        for i, customer in enumerate(waiting):
            if (customer.pk, release_book.pk) in live_pairs:
                continue
            live_pairs.add((customer.pk, release_book.pk))
            reservations.append(
                Reservation(
                    customer=customer,
                    book=release_book,
                    status=Status.QUEUED,
                    requested_at=NOW - timedelta(days=5) + timedelta(seconds=30 * i),
                    days=rng.randint(1, 7),
                )
            )
        bulk(Reservation, reservations, "reservations")

        # units_on_loan = active reservations (R9): one UPDATE from the reservations table.
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE catalog_book b SET units_on_loan = a.n
                FROM (SELECT book_id, count(*) AS n FROM reservations_reservation
                      WHERE status = 'active' GROUP BY book_id) a
                WHERE a.book_id = b.id
                """
            )
        ledger.write(customers)

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    FIXTURES_FILE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURES_FILE.write_text(
        json.dumps(
            {
                "free_books": [book.pk for book in free_books],
                "full_books": [book.pk for book in full_books],
                "release_book": release_book.pk,
                "sweep_books": [book.pk for book in sweep_books],
                "load_customers": [customer.user_id for customer in load_customers],
                "queue_customers": [customer.user_id for customer in queue_customers],
                "search_terms": ["silent river", "بوف کور", "golden mirror", "kamisen", "ahmadi"],
                "generated_at": NOW.isoformat(),
            },
            indent=1,
        )
    )
    counts = {
        "books": Book.objects.count(),
        "customers": Customer.objects.count(),
        "reservations": Reservation.objects.count(),
        "active": Reservation.objects.filter(status=Status.ACTIVE).count(),
        "queued": Reservation.objects.filter(status=Status.QUEUED).count(),
        "wallet transactions": WalletTransaction.objects.count(),
    }
    print(
        "generated "
        + ", ".join(f"{value:,} {name}" for name, value in counts.items())
        + f" in {time.perf_counter() - started:.0f}s"
    )


if __name__ == "__main__":
    main()
