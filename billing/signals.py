"""What billing tells the apps above it, which it does not import (docs/architecture.md).

``wallet_debited`` is sent by ``billing.services.debit_wallet`` after every debit (a
reservation, a renewal, a subscription, a purchase), inside the debit's transaction, with
``customer`` (its row locked, ``balance`` the new one) and ``now``. Lending listens to tell a
customer first in a queue that the wallet no longer covers the price (R32); billing cannot
call lending itself, as lending imports billing.
"""

from django.dispatch import Signal

wallet_debited = Signal()
