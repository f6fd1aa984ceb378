"""The demo data, as plain values: who, what and when; demo/steps.py makes the rows.

Records are frozen dataclasses with no behaviour. What is derived from them (an ISBN's
check digit, an IBAN's, a Goodreads link) is worked out where the rows are made. HISTORY
is the story the steps replay, oldest first, as typed events: each type below is one
kind of step, and demo/steps.py runs each one by its type.
"""

from dataclasses import dataclass

from accounts.models import Tier

# Reference rows ----------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str
    phone: str


@dataclass(frozen=True)
class AuthorSeed(Person):
    city: str = ""
    bio: str = ""
    iban_serial: int | None = None  # an Iranian IBAN for authors paid in Iran


@dataclass(frozen=True)
class BookSeed:
    key: str  # how HISTORY names the book
    title: str
    isbn_body: str  # the first 12 digits of the ISBN-13; the check digit is calculated
    genre: str
    price: int
    units: int
    authors: tuple[str, ...]
    description: str
    as_isbn10: bool = False  # store the older ISBN-10 form, as a pre-2007 print run would


# History events: each happens `days_ago` days before the seeding; a reservation is
# named by (customer's username, book key) -------------------------------------------


@dataclass(frozen=True)
class Charge:
    """Charge the wallet through the fake gateway, idempotency key ``seed-<username>-1``."""

    days_ago: float
    username: str
    amount: int


@dataclass(frozen=True)
class Subscribe:
    """Buy (or upgrade to) `tier` for `months`, paid from the wallet."""

    days_ago: float
    username: str
    tier: Tier
    months: int


@dataclass(frozen=True)
class AutoRenew:
    """Turn auto-renew on (R20)."""

    days_ago: float
    username: str


@dataclass(frozen=True)
class Reserve:
    """Reserve a book for `days`: a loan if a unit is free, else a place in its queue."""

    days_ago: float
    username: str
    book: str
    days: int


@dataclass(frozen=True)
class Return:
    """Return a loan."""

    days_ago: float
    username: str
    book: str


@dataclass(frozen=True)
class LeaveQueue:
    """Leave a book's queue."""

    days_ago: float
    username: str
    book: str


@dataclass(frozen=True)
class AdminEnd:
    """An admin ends a loan."""

    days_ago: float
    username: str
    book: str


@dataclass(frozen=True)
class Renew:
    """Renew a running loan by `days` (R29)."""

    days_ago: float
    username: str
    book: str
    days: int


@dataclass(frozen=True)
class Pause:
    """Pause a queued place until the day `until_days_ago` days before the seeding (R30)."""

    days_ago: float
    username: str
    book: str
    until_days_ago: float


@dataclass(frozen=True)
class Beat:
    """What the Celery beat would run at that moment (R5, R13, R16, R20)."""

    days_ago: float


Step = Charge | Subscribe | AutoRenew | Reserve | Return | LeaveQueue | AdminEnd | Renew | Pause | Beat

# The values ---------------------------------------------------------------------------

# Passes Django's password validators; every seeded user shares it.
DEMO_PASSWORD = "demo-pass-2026"
ADMIN_USERNAME = "admin"

CITIES = (
    "Tehran",
    "Mashhad",
    "Isfahan",
    "Shiraz",
    "Tabriz",
    "Sabzevar",
    "Abadan",
    "Rasht",
    "Yazd",
    "Kerman",
    "London",
    "Bath",
    "Paris",
    "Dublin",
)

GENRES = (
    ("Novel", "novel"),
    ("Novella", "novella"),
    ("Short Stories", "short-stories"),
    ("Historical Fiction", "historical-fiction"),
    ("Modernist Fiction", "modernist-fiction"),
    ("Magical Realism", "magical-realism"),
    ("Classics", "classics"),
    ("Dystopian Fiction", "dystopian-fiction"),
    ("Satire", "satire"),
    ("Essays", "essays"),
    ("Poetry", "poetry"),
    ("Children's Books", "childrens-books"),
)

AUTHORS = (
    AuthorSeed(
        "sadegh_hedayat",
        "صادق",
        "هدایت",
        "+989125550101",
        city="Tehran",
        bio="Pioneer of modern Persian fiction; wrote The Blind Owl in 1937.",
        iban_serial=101,
    ),
    AuthorSeed(
        "mahmoud_dowlatabadi",
        "محمود",
        "دولت‌آبادی",
        "+989125550102",
        city="Sabzevar",
        bio="Novelist of rural Khorasan, author of the ten-volume Kelidar.",
        iban_serial=102,
    ),
    AuthorSeed(
        "abbas_maroufi",
        "عباس",
        "معروفی",
        "+989125550103",
        city="Tehran",
        bio="Novelist and editor; Symphony of the Dead is set in Ardabil.",
        iban_serial=103,
    ),
    AuthorSeed(
        "simin_daneshvar",
        "سیمین",
        "دانشور",
        "+989125550104",
        city="Shiraz",
        bio="Novelist and translator; Savushun portrays Shiraz under wartime occupation.",
        iban_serial=104,
    ),
    AuthorSeed(
        "houshang_golshiri",
        "هوشنگ",
        "گلشیری",
        "+989125550105",
        city="Isfahan",
        bio="Modernist storyteller from Isfahan, known for Prince Ehtejab.",
        iban_serial=105,
    ),
    AuthorSeed(
        "jalal_al_e_ahmad",
        "جلال",
        "آل‌احمد",
        "+989125550106",
        city="Tehran",
        bio="Essayist and novelist; The School Principal drew on his years as a teacher.",
        iban_serial=106,
    ),
    AuthorSeed(
        "zoya_pirzad",
        "زویا",
        "پیرزاد",
        "+989125550107",
        city="Abadan",
        bio="Novelist of family life among the Armenians of Abadan.",
        iban_serial=107,
    ),
    AuthorSeed(
        "shahrnush_parsipur",
        "شهرنوش",
        "پارسی‌پور",
        "+989125550108",
        city="Tehran",
        bio="Novelist; Women Without Men follows five women through the summer of 1953.",
        iban_serial=108,
    ),
    AuthorSeed(
        "jane_austen",
        "Jane",
        "Austen",
        "+447700900101",
        city="Bath",
        bio="English novelist of manners, wit and marriage.",
    ),
    AuthorSeed(
        "george_orwell",
        "George",
        "Orwell",
        "+447700900102",
        city="London",
        bio="Essayist and novelist; wrote Animal Farm and Nineteen Eighty-Four.",
    ),
    AuthorSeed(
        "virginia_woolf",
        "Virginia",
        "Woolf",
        "+447700900103",
        city="London",
        bio="Modernist novelist and essayist of the Bloomsbury Group.",
    ),
    AuthorSeed(
        "demo_author",
        "Negar",
        "Tabrizi",
        "+989355550100",
        city="Tabriz",
        bio="Librarian from Tabriz who writes about the people who borrow books.",
        iban_serial=199,
    ),
)

BOOKS = (
    BookSeed(
        "blind_owl",
        "بوف کور",
        "978964615306",
        "Novella",
        180_000,
        2,
        ("sadegh_hedayat",),
        "The Blind Owl (1937): a pen-case painter tells his nightmares to his own shadow.",
    ),
    BookSeed(
        "three_drops",
        "سه قطره خون",
        "978964615311",
        "Short Stories",
        120_000,
        1,
        ("sadegh_hedayat",),
        "Three Drops of Blood (1932): eleven stories of madness, loss and Tehran life.",
    ),
    BookSeed(
        "kelidar",
        "کلیدر",
        "978964600142",
        "Historical Fiction",
        650_000,
        1,
        ("mahmoud_dowlatabadi",),
        "Kelidar: the Kalmishi family, Kurdish herders of Khorasan, in the 1940s. Ten volumes in five books.",
    ),
    BookSeed(
        "soluch",
        "جای خالی سلوچ",
        "978964600159",
        "Novel",
        210_000,
        2,
        ("mahmoud_dowlatabadi",),
        "Missing Soluch (1979): Mergan raises her children in a village after her husband vanishes.",
    ),
    BookSeed(
        "symphony",
        "سمفونی مردگان",
        "978964593108",
        "Modernist Fiction",
        240_000,
        1,
        ("abbas_maroufi",),
        "Symphony of the Dead (1989): two brothers, an Ardabil winter and a family undone by envy.",
    ),
    BookSeed(
        "savushun",
        "سووشون",
        "978964548017",
        "Historical Fiction",
        260_000,
        3,
        ("simin_daneshvar",),
        "Savushun (1969): Zari and Yusof in Shiraz during the Allied occupation of the Second World War.",
    ),
    BookSeed(
        "prince",
        "شازده احتجاب",
        "978964599213",
        "Modernist Fiction",
        150_000,
        1,
        ("houshang_golshiri",),
        "Prince Ehtejab (1969): the last of a Qajar line, dying, remembers his ancestors' cruelty.",
    ),
    BookSeed(
        "principal",
        "مدیر مدرسه",
        "978964572304",
        "Novella",
        110_000,
        2,
        ("jalal_al_e_ahmad",),
        "The School Principal (1958): a weary teacher takes over a school on the edge of Tehran.",
    ),
    BookSeed(
        "lights",
        "چراغ‌ها را من خاموش می‌کنم",
        "978964305112",
        "Novel",
        230_000,
        2,
        ("zoya_pirzad",),
        "I Turn Off the Lights (2001): Clarisse, an Armenian housewife in 1960s Abadan, and new neighbours.",
    ),
    BookSeed(
        "women",
        "زنان بدون مردان",
        "978622600417",
        "Magical Realism",
        170_000,
        2,
        ("shahrnush_parsipur",),
        "Women Without Men (1989): five women find their way to a garden in Karaj in the summer of 1953.",
    ),
    BookSeed(
        "pride",
        "Pride and Prejudice",
        "978014143951",
        "Classics",
        320_000,
        3,
        ("jane_austen",),
        "Elizabeth Bennet and Mr Darcy misjudge each other across the drawing rooms of Hertfordshire.",
        as_isbn10=True,
    ),
    BookSeed(
        "nineteen",
        "Nineteen Eighty-Four",
        "978014118776",
        "Dystopian Fiction",
        340_000,
        2,
        ("george_orwell",),
        "Winston Smith rewrites history at the Ministry of Truth until he falls in love.",
    ),
    BookSeed(
        "animal_farm",
        "Animal Farm",
        "978014103613",
        "Satire",
        190_000,
        2,
        ("george_orwell",),
        "The animals of Manor Farm drive out the farmer; some turn out more equal than others.",
    ),
    BookSeed(
        "dalloway",
        "Mrs Dalloway",
        "978015662870",
        "Modernist Fiction",
        280_000,
        1,
        ("virginia_woolf",),
        "One June day in 1923 London, as Clarissa Dalloway prepares a party.",
        as_isbn10=True,
    ),
    BookSeed(
        "room",
        "A Room of One's Own",
        "978015678733",
        "Essays",
        160_000,
        1,
        ("virginia_woolf",),
        "A woman must have money and a room of her own if she is to write fiction.",
    ),
    BookSeed(
        "letters",
        "Letters from the Lending Library",
        "978600812344",
        "Essays",
        200_000,
        2,
        ("demo_author",),
        "Notes left in returned books, collected by a Tabriz librarian.",
    ),
    BookSeed(
        "little_library",
        "کتابخانه‌ی کوچک تهران",
        "978600812351",
        "Children's Books",
        90_000,
        1,
        ("demo_author", "zoya_pirzad"),
        "A picture book about a girl who opens a library in her grandmother's hallway.",
    ),
)

CUSTOMERS = (
    Person("demo_free", "Dina", "Farahani", "+989355550001"),
    Person("demo_plus", "Pouya", "Lotfi", "+989355550002"),
    Person("demo_premium", "Parisa", "Mohammadi", "+989355550003"),
    Person("sara_ahmadi", "Sara", "Ahmadi", "+989355550004"),
    Person("reza_karimi", "Reza", "Karimi", "+989355550005"),
    Person("maryam_hosseini", "Maryam", "Hosseini", "+989355550006"),
    Person("omid_rahimi", "Omid", "Rahimi", "+989355550007"),
    Person("neda_moradi", "Neda", "Moradi", "+989355550008"),
    Person("ali_rezaei", "Ali", "Rezaei", "+989355550009"),
    Person("john_miller", "John", "Miller", "+447700900201"),
    Person("emma_clark", "Emma", "Clark", "+447700900202"),
    Person("leila_jafari", "Leila", "Jafari", "+989355550010"),
)
ADMIN = Person(ADMIN_USERNAME, "Library", "Admin", "+989355550000")
DEMO_ACCOUNTS = (ADMIN_USERNAME, "demo_free", "demo_plus", "demo_premium", "demo_author")


# The story, oldest first, as the events above. A reservation is named by (customer,
# book key); a Beat runs what the Celery beat would run at that moment.
# What it leaves: Free, Plus and Premium customers; returned, expired, ended-by-admin,
# dropped (no subscription; wallet short) and cancelled entries; promotions from
# queues; a Plus → Premium upgrade with its refund; an auto-renewal; a lapsed plan; the
# 30% (more than 3 books in 30 days) and 100% (more than 300,000 paid in 60 days)
# discounts of R7; active loans, some ending within a day, one renewed; a paused place
# resumed; live queues with Premium first.
HISTORY: tuple[Step, ...] = (
    Charge(51, "reza_karimi", 500_000),
    Subscribe(50, "reza_karimi", Tier.PLUS, 2),
    Charge(46, "omid_rahimi", 70_000),
    Subscribe(45, "omid_rahimi", Tier.PLUS, 1),
    Reserve(44, "omid_rahimi", "kelidar", 7),
    Reserve(42, "reza_karimi", "kelidar", 5),  # queued behind omid
    Return(40, "omid_rahimi", "kelidar"),  # reza is promoted
    Reserve(38, "omid_rahimi", "blind_owl", 4),
    Charge(34, "maryam_hosseini", 120_000),
    Subscribe(33, "maryam_hosseini", Tier.PLUS, 1),
    AutoRenew(33, "maryam_hosseini"),
    Reserve(32, "maryam_hosseini", "savushun", 7),
    Reserve(30, "maryam_hosseini", "blind_owl", 5),
    Charge(26, "sara_ahmadi", 450_000),
    Subscribe(26, "sara_ahmadi", Tier.PREMIUM, 1),
    AutoRenew(26, "sara_ahmadi"),
    Reserve(25, "sara_ahmadi", "savushun", 3),
    Reserve(24, "sara_ahmadi", "prince", 4),
    Reserve(22, "sara_ahmadi", "symphony", 2),
    Charge(21, "demo_plus", 150_000),
    Subscribe(21, "demo_plus", Tier.PLUS, 2),
    AutoRenew(21, "demo_plus"),
    Reserve(21, "sara_ahmadi", "three_drops", 3),
    Subscribe(20, "reza_karimi", Tier.PREMIUM, 2),  # upgrade: unused Plus refunded
    Reserve(20, "demo_plus", "kelidar", 7),
    Reserve(19.9, "reza_karimi", "nineteen", 10),  # 100% off: a big spender
    Reserve(19, "sara_ahmadi", "pride", 5),  # 30% off: her fifth book in 30 days
    Reserve(19, "omid_rahimi", "kelidar", 5),  # queued
    Charge(18, "john_miller", 100_000),
    Subscribe(18, "john_miller", Tier.PLUS, 1),
    Reserve(17, "john_miller", "kelidar", 6),  # queued
    Reserve(16, "demo_plus", "symphony", 5),
    Reserve(16, "john_miller", "principal", 3),
    Charge(15, "demo_premium", 400_000),
    Subscribe(15, "demo_premium", Tier.PREMIUM, 1),
    AutoRenew(15, "demo_premium"),
    Beat(14.9),  # omid's Plus ends
    Return(14.5, "john_miller", "principal"),
    Return(14, "demo_plus", "kelidar"),  # omid is dropped (Free now), john promoted
    Reserve(13, "demo_premium", "prince", 10),
    Charge(12, "neda_moradi", 60_000),
    Subscribe(12, "neda_moradi", Tier.PLUS, 1),
    Reserve(12, "demo_premium", "dalloway", 14),
    Charge(10, "demo_free", 50_000),
    Reserve(10, "demo_plus", "nineteen", 7),
    Charge(9, "emma_clark", 300_000),
    Subscribe(9, "emma_clark", Tier.PREMIUM, 1),
    Reserve(9, "emma_clark", "three_drops", 14),
    Charge(8, "leila_jafari", 80_000),
    Subscribe(8, "leila_jafari", Tier.PLUS, 1),
    Reserve(8, "leila_jafari", "soluch", 7),
    Reserve(7.5, "john_miller", "soluch", 7),
    Reserve(7, "emma_clark", "soluch", 10),  # queued
    Reserve(7, "neda_moradi", "prince", 5),  # queued
    Reserve(6.5, "leila_jafari", "prince", 5),  # queued
    Charge(6, "ali_rezaei", 20_000),
    Reserve(6, "maryam_hosseini", "soluch", 4),  # queued behind emma
    Return(6, "demo_plus", "nineteen"),
    Reserve(6, "neda_moradi", "women", 7),  # her wallet can no longer pay for prince
    Reserve(5.5, "reza_karimi", "women", 14),
    Reserve(5, "reza_karimi", "blind_owl", 14),
    Reserve(5, "sara_ahmadi", "kelidar", 14),
    AdminEnd(4, "reza_karimi", "blind_owl"),
    Reserve(4, "demo_plus", "kelidar", 7),  # queued
    Pause(3.8, "demo_plus", "kelidar", 2),  # deliver later: resumed by the last beat (R30)
    Reserve(3.5, "emma_clark", "kelidar", 10),  # queued, ahead of demo_plus (R12)
    Beat(2.9),  # maryam renewed; prince expires: neda dropped (wallet), leila promoted
    Reserve(2, "leila_jafari", "dalloway", 7),  # queued
    Reserve(2, "demo_plus", "lights", 7),
    Renew(1.8, "demo_plus", "lights", 3),  # nobody waits for it (R29)
    Reserve(1.5, "demo_plus", "letters", 2),
    LeaveQueue(1, "leila_jafari", "dalloway"),
    Reserve(1, "john_miller", "pride", 7),
    Reserve(1, "demo_premium", "savushun", 14),
    Reserve(1, "demo_premium", "three_drops", 7),  # queued behind emma's loan
    Reserve(0.8, "john_miller", "women", 7),  # queued
    Reserve(0.5, "sara_ahmadi", "little_library", 3),
    Beat(0),  # soluch's loans expire: emma, then maryam, promoted
)
