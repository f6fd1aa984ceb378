"""The words and names bench/generate.py draws from: plain data.

Titles in English and Persian, the people's first and last names, the genres, and the
catalog's vocabulary with its Zipf weights.
"""

WORDS_EN = [
    "night",
    "river",
    "garden",
    "silent",
    "shadow",
    "house",
    "winter",
    "letter",
    "stone",
    "city",
    "blind",
    "owl",
    "journey",
    "empty",
    "sea",
    "last",
    "golden",
    "old",
    "forgotten",
    "mirror",
    "road",
    "season",
    "small",
    "prince",
    "war",
    "peace",
    "memory",
    "lost",
    "secret",
    "fire",
]
WORDS_FA = [
    "بوف",
    "کور",
    "شب",
    "رود",
    "باغ",
    "خاموش",
    "سایه",
    "خانه",
    "زمستان",
    "نامه",
    "سنگ",
    "شهر",
    "سفر",
    "دریا",
    "آخر",
    "طلایی",
    "کهنه",
    "آینه",
    "جاده",
]
FIRST_NAMES = [
    "Sara",
    "Ali",
    "Reza",
    "Maryam",
    "Hossein",
    "Zahra",
    "Amir",
    "Neda",
    "Omid",
    "Leila",
    "Kaveh",
    "Shirin",
    "Dariush",
    "Parisa",
    "Babak",
]
LAST_NAMES = [
    "Ahmadi",
    "Karimi",
    "Hosseini",
    "Rezaei",
    "Moradi",
    "Jafari",
    "Ghasemi",
    "Rahimi",
    "Mousavi",
    "Sadeghi",
    "Kazemi",
    "Hedayat",
]
GENRES = [
    "Novel",
    "Poetry",
    "History",
    "Philosophy",
    "Science",
    "Children",
    "Biography",
    "Drama",
    "Travel",
    "Mystery",
    "Fantasy",
    "Essays",
    "Psychology",
    "Economics",
    "Art",
    "Religion",
    "Politics",
    "Classics",
    "Short-stories",
    "Humour",
]


# A catalog's words follow Zipf's law: a few are everywhere, most are rare. The named words
# come first (the most frequent), then 4,000 made-up ones from syllables.
SYLLABLES = ["ka", "ro", "mi", "sen", "tal", "dor", "vi", "na", "shi", "lum", "bar", "qe", "zo", "fa", "ri", "tun"]
VOCABULARY = WORDS_EN + [a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES[:16] if a != b][:4_000]
WEIGHTS = [1 / (rank + 10) for rank in range(len(VOCABULARY))]
