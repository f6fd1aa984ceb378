"""What bench/generate.py makes its rows with: the seeded random numbers, the words of a title
or description, bulk_create in batches with a progress bar, users, and the wallets' ledger.

Imported by generate.py after ``django.setup()``. Every choice, here and in generate.py, is
drawn from the one seeded ``rng``: the same data on every run, but for the times.
"""

import random
import sys
import time

from generate_data import FIRST_NAMES, LAST_NAMES, VOCABULARY, WEIGHTS, WORDS_FA
from stdnum import ean

from accounts.models import Customer, User
from billing.models import WalletTransaction

BATCH = 5_000
# PostgreSQL binds at most 65,535 parameters a statement: a batch of a wide model is smaller.
MAX_PARAMETERS = 65_535

rng = random.Random(20260101)


def words(count: int) -> str:
    return " ".join(rng.choices(VOCABULARY, weights=WEIGHTS, k=count))


class Progress:
    """A one-line progress report on stderr: what, how many of how many, rows per second."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done, self.started = label, total, 0, time.perf_counter()

    def advance(self, count: int) -> None:
        self.done += count
        elapsed = time.perf_counter() - self.started
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        rate = self.done / elapsed if elapsed else 0
        sys.stderr.write(
            f"\r  {self.label:<24} [{'#' * filled}{'.' * (width - filled)}] "
            f"{self.done:>7,}/{self.total:,} {rate:>9,.0f}/s"
        )
        if self.done >= self.total:
            sys.stderr.write(f"  {elapsed:.1f}s\n")
        sys.stderr.flush()


def bulk(model, objects: list, label: str) -> list:
    """bulk_create in batches with a progress bar; returns the saved objects (with ids on PostgreSQL)."""
    progress = Progress(label, len(objects))
    batch = max(1, min(BATCH, MAX_PARAMETERS // len(model._meta.concrete_fields)))
    for start in range(0, len(objects), batch):
        chunk = objects[start : start + batch]
        model.objects.bulk_create(chunk, batch_size=batch)
        progress.advance(len(chunk))
    if not objects:
        progress.advance(0)
    return objects


def isbn13(n: int) -> str:
    body = f"978{n:09d}"
    return body + ean.calc_check_digit(body)


def title() -> str:
    if rng.random() < 0.3:
        return " ".join(rng.choice(WORDS_FA) for _ in range(rng.randint(2, 4)))
    return words(rng.randint(2, 4)).capitalize()


def make_users(prefix: str, count: int, role: str, password: str, start_phone: int) -> list[User]:
    users = []
    for i in range(count):
        users.append(
            User(
                username=f"{prefix}{i:05d}",
                email=f"{prefix}{i:05d}@bench.example",
                phone=f"+98{start_phone + i:010d}",
                role=role,
                password=password,
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
            )
        )
    return bulk(User, users, f"{role} users")


class Ledger:
    """Every customer's ledger in time order, so balance_after runs and balance == sum (R19)."""

    def __init__(self):
        self.entries: dict[int, list[tuple]] = {}

    def add(self, customer_id: int, amount: int, kind: str, at, reference: str) -> None:
        self.entries.setdefault(customer_id, []).append((at, amount, kind, reference))

    def write(self, customers: list[Customer]) -> None:
        rows, balances = [], {}
        for customer_id, entries in self.entries.items():
            balance = 0
            for at, amount, kind, reference in sorted(entries, key=lambda entry: entry[0]):
                balance += amount
                assert balance >= 0, (customer_id, entries)
                rows.append(
                    WalletTransaction(
                        customer_id=customer_id,
                        amount=amount,
                        kind=kind,
                        reference=reference,
                        created_at=at,
                        balance_after=balance,
                    )
                )
            balances[customer_id] = balance
        bulk(WalletTransaction, rows, "wallet transactions")
        for customer in customers:
            customer.balance = balances.get(customer.pk, 0)
        progress = Progress("customer balances", len(customers))
        for start in range(0, len(customers), BATCH):
            chunk = customers[start : start + BATCH]
            Customer.objects.bulk_update(chunk, ["balance"], batch_size=BATCH)
            progress.advance(len(chunk))
