"""The demo shop's data (R34–R38): stock for sale, orders, reviews and wishes, as plain values.

Its events join demo/data.py's HISTORY by their `days_ago` (demo/shop_steps.py runs them).
Purchases are paid by wallet charges of their own (key ``seed-<username>-shop-<days_ago>``) made
after the buyer's last lending step in HISTORY, so the lending story (its discounts,
drops and promotions) plays as it did before the shop existed.
What it leaves: books for sale, one sold out; placed, fulfilled and cancelled orders;
reviews by readers who borrowed or bought; wishes, with a "free to borrow" alert
(three_drops comes back at the beat 14.9 days ago), a "back in stock" one (a cancelled
order brings animal_farm's copies back) and a cart left unpaid.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Stock:
    """An admin sets the copies of a book for sale (R34)."""

    days_ago: float
    book: str
    stock: int


@dataclass(frozen=True)
class ShopCharge:
    """Charge the wallet for the shop, idempotency key ``seed-<username>-shop-<days_ago>``."""

    days_ago: float
    username: str
    amount: int


@dataclass(frozen=True)
class Buy:
    """Put `lines` (book key, copies) in the cart and check out (R35); `order` names it, "" leaves the cart."""

    days_ago: float
    username: str
    lines: tuple[tuple[str, int], ...]
    order: str = ""


@dataclass(frozen=True)
class Cancel:
    """An admin cancels an order: refunded, its stock back (R36)."""

    days_ago: float
    order: str


@dataclass(frozen=True)
class Fulfil:
    """An admin marks an order fulfilled (R36)."""

    days_ago: float
    order: str


@dataclass(frozen=True)
class Review:
    """A reader reviews a book they borrowed or bought (R37)."""

    days_ago: float
    username: str
    book: str
    rating: int
    text: str = ""


@dataclass(frozen=True)
class Wish:
    """A customer adds a book to their wishlist (R38)."""

    days_ago: float
    username: str
    book: str


ShopStep = Stock | ShopCharge | Buy | Cancel | Fulfil | Review | Wish

SHOP_HISTORY: tuple[ShopStep, ...] = (
    *(
        Stock(52, book, stock)
        for book, stock in (
            ("blind_owl", 5),
            ("three_drops", 4),
            ("kelidar", 3),
            ("soluch", 4),
            ("savushun", 6),
            ("prince", 8),
            ("principal", 3),
            ("lights", 2),
            ("women", 5),
            ("pride", 7),
            ("nineteen", 4),
            ("animal_farm", 3),
            ("room", 6),
            ("letters", 5),
            ("little_library", 10),
        )
    ),
    Wish(30, "neda_moradi", "blind_owl"),
    Wish(20, "demo_free", "three_drops"),  # sara holds the only unit: free again at the beat 14.9 days ago
    Review(20, "maryam_hosseini", "savushun", 4, "A family's summer in Shiraz, told without a wasted line."),
    Wish(16, "emma_clark", "kelidar"),
    ShopCharge(13, "omid_rahimi", 900_000),
    Buy(12, "omid_rahimi", (("kelidar", 1),), "omid-1"),
    Review(11, "omid_rahimi", "kelidar", 5, "Worth every one of its pages: I bought my own copy after the loan."),
    Fulfil(10, "omid-1"),
    ShopCharge(9.5, "demo_free", 600_000),
    Buy(9, "demo_free", (("blind_owl", 1), ("animal_farm", 1)), "free-1"),
    Fulfil(8, "free-1"),
    Review(7, "demo_free", "animal_farm", 5, "Short, sharp and still true."),
    Review(7, "demo_free", "blind_owl", 3),
    ShopCharge(5.8, "ali_rezaei", 500_000),
    Buy(5.7, "ali_rezaei", (("animal_farm", 2),), "ali-1"),  # the last two copies: sold out
    Wish(5, "omid_rahimi", "animal_farm"),
    Wish(5, "maryam_hosseini", "animal_farm"),
    Cancel(4.5, "ali-1"),  # refunded; the copies come back: omid and maryam are told
    ShopCharge(3.9, "reza_karimi", 800_000),
    Buy(3.8, "reza_karimi", (("nineteen", 1), ("pride", 1)), "reza-1"),
    Review(3.7, "reza_karimi", "nineteen", 5, "Read it twice in the loan; now it is on my shelf."),
    Review(3.6, "reza_karimi", "women", 4),
    Fulfil(3, "reza-1"),
    ShopCharge(3, "demo_free", 200_000),
    Buy(2.9, "demo_free", (("room", 1),), "free-2"),
    ShopCharge(2.5, "neda_moradi", 500_000),
    Buy(2.4, "neda_moradi", (("women", 1), ("room", 1)), "neda-1"),
    Review(2.3, "neda_moradi", "room", 4, "A room, money and time: still the whole argument."),
    Fulfil(2, "neda-1"),
    Wish(2, "leila_jafari", "prince"),
    Wish(2, "john_miller", "symphony"),
    ShopCharge(1.4, "demo_plus", 700_000),
    Buy(1.3, "demo_plus", (("lights", 1), ("letters", 2)), "plus-1"),
    Review(1.2, "demo_plus", "lights", 4, "Night after night with this one."),
    Review(1.1, "demo_plus", "letters", 5),
    Wish(1.1, "demo_plus", "dalloway"),
    ShopCharge(0.9, "demo_premium", 500_000),
    Buy(0.85, "demo_premium", (("prince", 2),), "premium-1"),
    Review(0.8, "demo_premium", "prince", 5, "Bought two: one to give away."),
    Wish(0.8, "reza_karimi", "three_drops"),
    ShopCharge(0.7, "john_miller", 700_000),
    Buy(0.6, "john_miller", (("soluch", 1), ("pride", 1)), "john-1"),
    Review(0.5, "john_miller", "soluch", 5, "Borrowed it, then bought it."),
    Review(0.5, "john_miller", "pride", 4),
    ShopCharge(0.45, "sara_ahmadi", 300_000),
    Buy(0.4, "sara_ahmadi", (("little_library", 2),), "sara-1"),
    Review(0.3, "sara_ahmadi", "little_library", 5, "A small book with a big heart."),
    Wish(0.3, "sara_ahmadi", "room"),
    Buy(0.2, "demo_plus", (("savushun", 1), ("blind_owl", 1))),  # left in the cart, not paid
)
