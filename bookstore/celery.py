"""The Celery app: configured from Django settings (CELERY_ namespace), tasks autodiscovered.

Beat runs the periodic use cases below (SPEC section 6). Each task is safe to run twice
or at once, so a late beat, a second beat by mistake or a redelivered message does no
harm; ``expires`` drops ticks that waited longer than their period (a stopped worker
comes back to one run of each, not a backlog of them).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookstore.settings")

app = Celery("bookstore")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

MINUTE = 60.0

app.conf.beat_schedule = {
    "expire-due-reservations": {  # R16, R13
        "task": "reservations.tasks.expire_due_reservations",
        "schedule": MINUTE,
        "options": {"expires": MINUTE},
    },
    "end-or-renew-subscriptions": {  # R5, R20
        "task": "billing.tasks.end_or_renew_subscriptions",
        "schedule": MINUTE,
        "options": {"expires": MINUTE},
    },
    "resume-due-pauses": {  # R30, R32: a lapsed pause already counts as resumed; this tells its customer
        "task": "reservations.tasks.resume_due_pauses",
        "schedule": MINUTE,
        "options": {"expires": MINUTE},
    },
    "notify-reservations-ending-soon": {
        "task": "reservations.tasks.notify_reservations_ending_soon",
        "schedule": MINUTE,
        "options": {"expires": MINUTE},
    },
    "delete-spent-logins": {  # R22: refresh families no token can name any more
        "task": "accounts.tasks.delete_spent_logins",
        "schedule": 60 * MINUTE,
        "options": {"expires": 60 * MINUTE},
    },
    "send-pending-notifications": {
        "task": "accounts.tasks.send_pending_notifications",
        "schedule": 5 * MINUTE,
        "options": {"expires": 5 * MINUTE},
    },
}
