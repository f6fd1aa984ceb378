"""What lending tells the apps above it, which it does not import (docs/architecture.md).

``unit_left_free`` is sent when a release (a return, an expiry, an admin's end, units
raised) has served the book's queue (R13) and a unit is still free: nobody waiting took
it. Sent inside that transaction, with the book's row locked, with ``book`` and ``now``.
The wishlist listens to tell those who wished for the book (R38); a unit the queue took
is not free, and ``catalog.signals.units_ran_out`` says when the last free one goes.
"""

from django.dispatch import Signal

unit_left_free = Signal()
