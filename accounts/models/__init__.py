"""Users, their customer and author profiles, cities and stored notifications.

A package, as Django allows, so that each module holds one kind of thing: `users` (User,
Role, the phone's form and masks), `profiles` (Customer, Author, City, the tiers and
TIER_RULES), `notifications` (Notification) and `security` (SmsDevice, RefreshFamily,
ContactChange). Import from ``accounts.models``: every model and public name is here.
"""

from .notifications import Notification
from .profiles import MAX_RESERVATION_DAYS, QUEUE_PRIORITY_TIERS, TIER_RULES, Author, City, Customer, Tier, TierRule
from .security import ContactChange, RefreshFamily, SmsDevice
from .users import Role, User, UserManager, masked_email, masked_phone, phone_validator

__all__ = [
    "MAX_RESERVATION_DAYS",
    "QUEUE_PRIORITY_TIERS",
    "TIER_RULES",
    "Author",
    "City",
    "ContactChange",
    "Customer",
    "Notification",
    "RefreshFamily",
    "Role",
    "SmsDevice",
    "Tier",
    "TierRule",
    "User",
    "UserManager",
    "masked_email",
    "masked_phone",
    "phone_validator",
]
