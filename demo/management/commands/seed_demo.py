"""`manage.py seed_demo`: fill every table with the demo data, then print the demo accounts.

The data is in demo/data.py, the steps that make its rows in demo/steps.py.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Customer, User
from core.exceptions import DomainError
from demo.data import DEMO_ACCOUNTS, DEMO_PASSWORD
from demo.steps import row_counts, seed


class Command(BaseCommand):
    help = "Fill every table with demo data made by the real services, then print the demo accounts. Idempotent."

    def handle(self, *args, **options) -> None:
        now = timezone.now().replace(microsecond=0)
        try:
            with transaction.atomic():
                outcome = seed(now=now)
        except (DomainError, ValidationError, IntegrityError) as error:
            raise CommandError(f"Seeding failed, nothing was saved: {error}") from error

        if outcome.history_skipped:
            self.stdout.write(
                self.style.WARNING(
                    "Some demo customers already exist, so their reservation history was not replayed. "
                    "Delete them (or the database) to seed it again."
                )
            )
        if outcome.created:
            self.stdout.write(self.style.SUCCESS("Demo data created."))
        else:
            self.stdout.write("Demo data already present; nothing created.")
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in row_counts().items()))
        self._print_accounts(now, outcome.created_usernames)

    def _print_accounts(self, now: datetime, created_usernames: frozenset[str]) -> None:
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
            known = username in created_usernames or user.check_password(DEMO_PASSWORD)
            password = DEMO_PASSWORD if known else "(changed since seeding)"
            self.stdout.write(f"  {username:<14} {password:<16} {role}")
        self.stdout.write(f"Every other seeded user's password is {DEMO_PASSWORD} too.")
