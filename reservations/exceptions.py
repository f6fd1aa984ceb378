"""Refusals of the reservation rules, each with the stable code the API returns (R26)."""

from django.utils.translation import gettext_lazy

from core.exceptions import Conflict, DomainError, InvalidInput, NotAllowed


class SubscriptionRequired(NotAllowed):
    """Free customers cannot reserve or queue (R1). Implements R1."""

    code = "subscription_required"
    default_message = gettext_lazy("Reserving needs a Plus or Premium subscription.")


class InvalidDays(InvalidInput):
    """`days` is not a whole number from 1 to the tier's maximum (R4)."""

    code = "invalid_days"
    default_message = gettext_lazy("Choose a whole number of days allowed by your tier.")


class AlreadyReserved(Conflict):
    """One live reservation per customer and book (R8). Implements R8."""

    code = "already_reserved"
    default_message = gettext_lazy("You already hold or are queued for this book.")


class ReservationLimitReached(Conflict):
    """The tier's active limit is reached (R10). Implements R10."""

    code = "reservation_limit_reached"
    default_message = gettext_lazy("You have reached the number of active reservations your tier allows.")


class NotReservationOwner(NotAllowed):
    code = "not_reservation_owner"
    default_message = gettext_lazy("This reservation is not yours.")


class ReservationNotActive(Conflict):
    code = "reservation_not_active"
    default_message = gettext_lazy("This reservation is not active.")


class RenewalLimitReached(Conflict):
    """A loan is renewed at most MAX_RENEWALS times (R29). Implements R29."""

    code = "renewal_limit_reached"
    default_message = gettext_lazy("This loan was already renewed as many times as a loan allows.")


class BookHasQueue(Conflict):
    """Someone waits for the book (a queued place not paused), so its loan is not renewed (R29).

    Implements R29.
    """

    code = "book_has_queue"
    default_message = gettext_lazy("Someone is waiting for this book, so the loan cannot be renewed.")


class ReservationIsActive(Conflict):
    """Leaving the queue is for queued reservations; an active one is returned (R14, R15)."""

    code = "reservation_active"
    default_message = gettext_lazy("This reservation is active: return the book instead of leaving the queue.")


class ReservationNotQueued(Conflict):
    code = "reservation_not_queued"
    default_message = gettext_lazy("This reservation is no longer in the queue.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = gettext_lazy("The reservation cannot move to that status from its current one.")


class UnitsBelowOnLoan(Conflict):
    code = "units_below_on_loan"
    default_message = gettext_lazy("A book cannot own fewer units than it has on loan.")


class InvalidUnits(InvalidInput):
    code = "invalid_units"
    default_message = gettext_lazy("Units must be a whole number, zero or more.")


class InvalidPauseDate(InvalidInput):
    """A pause lasts until a day from tomorrow to MAX_PAUSE_DAYS after today (R30)."""

    code = "invalid_pause_date"
    default_message = gettext_lazy("Choose a day from tomorrow to 60 days from today.")


class BookNotFound(DomainError):
    """The book was deleted, perhaps while the request was on its way."""

    code = "not_found"
    status = 404
    default_message = gettext_lazy("No such book.")


class BookWithdrawn(Conflict):
    """A withdrawn book is kept for its history but no longer lent (R28)."""

    code = "book_withdrawn"
    default_message = gettext_lazy("This book has been withdrawn from the catalog and can no longer be reserved.")


class BookHasLiveReservations(Conflict):
    code = "book_has_live_reservations"
    default_message = gettext_lazy("This book has active or queued reservations and cannot be deleted.")


__all__ = [
    "AlreadyReserved",
    "BookHasLiveReservations",
    "BookHasQueue",
    "BookNotFound",
    "BookWithdrawn",
    "DomainError",
    "InvalidDays",
    "InvalidPauseDate",
    "InvalidTransition",
    "InvalidUnits",
    "NotReservationOwner",
    "RenewalLimitReached",
    "ReservationIsActive",
    "ReservationLimitReached",
    "ReservationNotActive",
    "ReservationNotQueued",
    "SubscriptionRequired",
    "UnitsBelowOnLoan",
]
