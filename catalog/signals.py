"""What the catalog tells the apps above it, which it does not import (docs/architecture.md).

``stock_raised`` is sent whenever a book's stock for sale goes up (R34: an author's or an
admin's edit; R36: a cancelled order's copies coming back), inside that transaction and
with the book's row locked, with ``book`` (``stock`` the new count) and ``before`` (the
count it had). The wishlist listens to tell those who wished for a book that was sold
out that it is back (R38); the catalog cannot call it, as the wishlist imports the catalog.

``stock_ran_out`` is sent when a book's last copy for sale goes (``Book.sell`` leaving 0, or
an edit setting 0), and ``units_ran_out`` when its last free unit goes on loan
(``Book.lend`` leaving none free), each inside that transaction with ``book``: R38 alerts
once "until it runs out again", and these say when it did.
"""

from django.dispatch import Signal

stock_raised = Signal()
stock_ran_out = Signal()
units_ran_out = Signal()
