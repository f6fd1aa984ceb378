"""The seeded world the schema fuzz runs against (bookstore/tests/test_schema_fuzz.py).

``build_world`` makes customers on each tier, an author with books, an admin, reservations
in every state and the shop's rows (an order, a cart item, a review, a wish: R35–R38), and
returns the ids by kind that the fuzz hooks point path and body ids at, with the objects.
"""

from datetime import timedelta
from types import SimpleNamespace


def build_world(*, make_customer, make_book, now) -> tuple[dict[str, list[int]], SimpleNamespace]:
    """Customers on each tier, an author with books, an admin, reservations in every state, the shop."""
    from accounts.models import Role, Tier
    from accounts.tests.factories import AuthorFactory, CityFactory, UserFactory
    from catalog.tests.factories import GenreFactory
    from reservations.services import reserve, return_reservation

    customer = make_customer(Tier.PLUS, balance=5_000_000)
    other = make_customer(Tier.PREMIUM, balance=5_000_000)
    poor = make_customer(Tier.PLUS)
    free = make_customer(Tier.FREE)
    author = AuthorFactory(city=CityFactory())
    co_author = AuthorFactory(city=None, goodreads_link="", bio="")  # every optional field empty
    admin = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    genre = GenreFactory()
    free_book = make_book(units=3, authors=[author], genre=genre)
    held_book = make_book(units=1, authors=[author], genre=genre)
    mine_book = make_book(units=2, authors=[author, co_author])
    empty_book = make_book(units=0, authors=[author])
    held_by_other = reserve(customer=other, book=held_book, days=3, now=now)
    queued_mine = reserve(customer=customer, book=held_book, days=2, now=now)
    active_mine = reserve(customer=customer, book=mine_book, days=4, now=now)
    returned_mine = reserve(customer=customer, book=free_book, days=3, now=now - timedelta(days=2))
    return_reservation(customer=customer, reservation=returned_mine, now=now - timedelta(days=1))

    seeded = dict(
        user=[user.pk for user in (customer.user, other.user, free.user, author.user, admin)],
        customer=[customer.pk, other.pk, poor.pk, free.pk],
        author=[author.pk, co_author.pk],
        book=[free_book.pk, held_book.pk, mine_book.pk, empty_book.pk],
        reservation=[held_by_other.pk, queued_mine.pk, active_mine.pk, returned_mine.pk],
        genre=[genre.pk, mine_book.genre_id],
        city=[author.city_id],
    )
    shop = shop_rows(customer=customer, other=other, held_book=held_book, now=now)
    for kind, ids in shop.pop("ids").items():
        seeded[kind] = seeded.get(kind, []) + ids
    return seeded, SimpleNamespace(
        **shop,
        users={"customer": customer.user, "poor": poor.user, "free": free.user, "author": author.user, "admin": admin},
        customer=customer,
        other=other,
        author=author,
        co_author=co_author,
        admin=admin,
        genre=genre,
        free_book=free_book,
        held_book=held_book,
        empty_book=empty_book,
        held_by_other=held_by_other,
        queued_mine=queued_mine,
        active_mine=active_mine,
        returned_mine=returned_mine,
    )


def shop_rows(*, customer, other, held_book, now) -> dict:
    """Orders in each state, a cart item, reviews and a wish of the customer and another (R35–R38).

    Returns the rows by name and, under ``ids``, their ids by kind for the fuzz hooks.
    """
    from catalog.tests.factories import BookFactory
    from reviews.services import write_review
    from shop.checkout import checkout
    from shop.orders import cancel_order, fulfil_order
    from shop.services import add_to_cart
    from wishlist.services import add_wish

    for_sale = BookFactory(units=1, stock=50, price=10_000)
    orders = []
    for buyer in (customer, customer, customer, other):
        add_to_cart(customer=buyer, book=for_sale, quantity=1)
        orders.append(checkout(customer=buyer, now=now).order)
    fulfil_order(order=orders[1], now=now)
    cancel_order(order=orders[2], now=now)
    item = add_to_cart(customer=customer, book=for_sale, quantity=2)
    reviews = [write_review(customer=buyer, book=for_sale, rating=4, now=now) for buyer in (customer, other)]
    add_wish(customer=customer, book=held_book, now=now)
    ids = {
        "order": [order.pk for order in orders],
        "cart_item": [item.pk],
        "review": [review.pk for review in reviews],
        "book": [for_sale.pk],
    }
    return {"for_sale": for_sale, "orders": orders, "cart_item": item, "reviews": reviews, "ids": ids}
