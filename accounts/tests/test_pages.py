"""Account pages: signup, profile, notifications, the site navigation and error pages (R21–R23).

``assert_page_basics`` is the accessibility and safety check every page test uses: one
<h1>, a CSRF token in every POST form, a <label for=...> for every visible field, alt
text on every image.
"""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from accounts.models import Author, Notification, Role, Tier, User
from accounts.tests.factories import AuthorFactory, CityFactory, UserFactory
from billing.models import TransactionKind, WalletTransaction
from reservations.models import Reservation, Status

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a long and unusual pass phrase 42"


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.h1_count = 0
        self.label_targets: set[str] = set()
        self.fields: list[dict] = []
        self.images_without_alt = 0
        self.forms: list[dict] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "h1":
            self.h1_count += 1
        elif tag == "label" and attributes.get("for"):
            self.label_targets.add(attributes["for"])
        elif tag == "img" and not attributes.get("alt"):
            self.images_without_alt += 1
        elif tag == "form":
            self._form = {"method": (attributes.get("method") or "get").lower(), "csrf": False}
            self.forms.append(self._form)
        elif tag in {"input", "select", "textarea"}:
            kind = attributes.get("type", "text" if tag == "input" else tag)
            if tag == "input" and attributes.get("name") == "csrfmiddlewaretoken" and self._form is not None:
                self._form["csrf"] = True
            if kind not in {"hidden", "submit", "button", "reset", "image"}:
                self.fields.append(attributes)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def assert_page_basics(response) -> str:
    """Check one <h1>, CSRF in POST forms, a label for every field and alt text; return the HTML."""
    html = response.content.decode()
    parser = _PageParser()
    parser.feed(html)
    assert parser.h1_count == 1, f"expected one <h1>, found {parser.h1_count}"
    assert all(form["csrf"] for form in parser.forms if form["method"] == "post"), "a POST form lacks CSRF"
    for field in parser.fields:
        assert field.get("id") in parser.label_targets, f"field {field.get('name')!r} has no <label for>"
    assert parser.images_without_alt == 0
    return html


def text_of(response) -> str:
    """The page's text with tags removed and spaces collapsed, for reading like a user."""
    html = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.replace("&#x27;", "'").replace("&quot;", '"').split())


def printed_code(capsys) -> str:
    return re.search(r"code is (\d{6})", capsys.readouterr().out).group(1)


def log_in_with_code(client: Client, capsys, username: str, password: str, next_url: str = "/") -> None:
    response = client.post("/accounts/login/", {"username": username, "password": password, "next": next_url})
    assert response.status_code == 302, response.content
    response = client.post("/accounts/login/code/", {"code": printed_code(capsys)})
    assert response.status_code == 302 and response["Location"] == next_url


# --- Signup -----------------------------------------------------------------------------


def test_signup_page_is_labelled_and_protected():
    response = Client(enforce_csrf_checks=True).get("/accounts/signup/")
    assert response.status_code == 200
    html = assert_page_basics(response)
    assert 'name="role"' in html and 'value="author"' in html


def test_signup_as_customer_then_login_with_the_sms_code_R21(client, capsys):
    """A newcomer signs up, logs in with password and the printed code, and lands on Free."""
    response = client.post(
        "/accounts/signup/",
        {
            "role": "customer",
            "username": "neda",
            "email": "neda@example.com",
            "phone": "+98 912 555 0101",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?username=neda"
    user = User.objects.get(username="neda")
    assert user.role == Role.CUSTOMER and user.phone == "+989125550101"
    assert user.customer.tier == Tier.FREE and user.customer.balance == 0
    assert 'value="neda"' in client.get(response["Location"]).content.decode()  # the username is filled in

    log_in_with_code(client, capsys, "neda", NEW_PASSWORD, next_url="/wallet/")
    assert client.get("/wallet/").status_code == 200


def test_signup_as_author_creates_the_author_profile():
    client = Client()
    response = client.post(
        "/accounts/signup/",
        {
            "role": "author",
            "username": "hoda",
            "email": "hoda@example.com",
            "phone": "+989125550102",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="hoda")
    assert user.role == Role.AUTHOR and Author.objects.filter(user=user).exists()
    assert not hasattr(user, "customer")


def test_signup_shows_each_field_error_with_400_R26():
    UserFactory(username="taken", email="taken@example.com", phone="+989125550103")
    response = Client().post(
        "/accounts/signup/",
        {
            "role": "customer",
            "username": "taken",
            "email": "fresh@example.com",
            "phone": "09125550104",
            "password": "123",
            "password_again": "123",
        },
    )
    assert response.status_code == 400
    text = text_of(response)
    assert "A user with that username already exists." in text
    assert "Enter the phone number in E.164 form" in text
    assert "This password is too short" in text
    assert 'aria-invalid="true"' in response.content.decode()
    assert User.objects.filter(email="fresh@example.com").count() == 0


def test_signup_needs_the_same_password_twice():
    response = Client().post(
        "/accounts/signup/",
        {
            "role": "customer",
            "username": "mina",
            "email": "mina@example.com",
            "phone": "+989125550105",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD + "!",
        },
    )
    assert response.status_code == 400 and "The two passwords differ." in text_of(response)
    assert not User.objects.filter(username="mina").exists()


def test_signup_cannot_make_an_admin_R23():
    response = Client().post(
        "/accounts/signup/",
        {
            "role": "admin",
            "username": "sneaky",
            "email": "sneaky@example.com",
            "phone": "+989125550106",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="sneaky").exists()


def test_login_page_links_to_signup(client):
    html = assert_page_basics(client.get("/accounts/login/"))
    assert 'href="/accounts/signup/"' in html


# --- Profile ----------------------------------------------------------------------------


def test_profile_needs_login_and_comes_back_after_it(client):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/profile/"


def test_profile_changes_own_names_R23(client, make_customer):
    customer = make_customer(Tier.PLUS, balance=5_000)
    client.force_login(customer.user)
    page = client.get("/accounts/profile/")
    assert page.status_code == 200
    html = assert_page_basics(page)
    assert customer.user.email in html and customer.user.phone in html and "5,000 toman" in html

    response = client.post(
        "/accounts/profile/",
        {
            "first_name": "Sara",
            "last_name": "Karimi",
            "email": "sara.new@example.com",  # not a field here: the phone and e-mail need a code (issue 14)
            "phone": "+989125550199",
            "auto_renew": "",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    before = (customer.user.email, customer.user.phone)
    customer.user.refresh_from_db()
    assert (customer.user.first_name, customer.user.last_name) == ("Sara", "Karimi")
    assert (customer.user.email, customer.user.phone) == before
    assert "Your profile is saved." in text_of(client.get("/accounts/profile/"))


def test_profile_never_changes_role_tier_or_wallet_R23(client, make_customer):
    customer = make_customer(Tier.FREE)
    user = customer.user
    client.force_login(user)
    response = client.post(
        "/accounts/profile/",
        {
            "email": user.email,
            "phone": user.phone,
            "role": "admin",
            "tier": "premium",
            "balance": "999999",
            "username": "someone_else",
            "is_staff": "on",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    customer.refresh_from_db()
    assert (user.role, user.username, user.is_staff) == (Role.CUSTOMER, user.username, False)
    assert (customer.tier, customer.balance) == (Tier.FREE, 0)


def test_a_contact_change_shows_a_taken_email_on_the_field_with_400(client, make_customer):
    UserFactory(email="taken@example.com")
    customer = make_customer(Tier.FREE)
    client.force_login(customer.user)
    response = client.post("/accounts/profile/contact/", {"email": "Taken@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert "User with this Email address already exists." in text_of(response)
    customer.user.refresh_from_db()
    assert customer.user.email != "taken@example.com"


def test_profile_turns_auto_renew_on_and_off_R20(client, make_customer):
    customer = make_customer(Tier.PLUS)
    client.force_login(customer.user)
    contact = {"email": customer.user.email, "phone": customer.user.phone}
    client.post("/accounts/profile/", {**contact, "auto_renew": "on"})
    customer.refresh_from_db()
    assert customer.auto_renew is True
    client.post("/accounts/profile/", contact)
    customer.refresh_from_db()
    assert customer.auto_renew is False


def test_author_edits_own_author_profile_R23(client):
    author = AuthorFactory()
    city = CityFactory(name="Shiraz")
    client.force_login(author.user)
    page = client.get("/accounts/profile/")
    html = assert_page_basics(page)
    assert 'id="id_bank_account_number"' in html and 'id="id_auto_renew"' not in html
    response = client.post(
        "/accounts/profile/",
        {
            "email": author.user.email,
            "phone": author.user.phone,
            "city": city.pk,
            "goodreads_link": "https://www.goodreads.com/author/show/1",
            "bank_account_number": "ir06 0170 0000 0012 3456 7890 01",
            "bio": "شاعر و نویسنده",
        },
    )
    assert response.status_code == 302
    author.refresh_from_db()
    assert author.city == city and author.bank_account_number == "IR060170000000123456789001"
    assert author.bio == "شاعر و نویسنده"


def test_author_profile_error_is_shown_and_nothing_is_saved(client):
    author = AuthorFactory()
    client.force_login(author.user)
    response = client.post(
        "/accounts/profile/",
        {"first_name": "Changed", "email": author.user.email, "phone": author.user.phone, "bank_account_number": "x1"},
    )
    assert response.status_code == 400
    assert "Use 8 to 34 capital letters and digits" in text_of(response)
    author.user.refresh_from_db()
    assert author.user.first_name != "Changed"  # one save for the whole form


# --- Notifications ----------------------------------------------------------------------


def test_notifications_show_only_mine_and_mark_them_read(client, make_customer):
    me = make_customer(Tier.PLUS).user
    other = make_customer(Tier.PLUS).user
    Notification.objects.create(user=me, kind=Notification.Kind.PROMOTED, message="“Kelidar” is yours.")
    Notification.objects.create(user=other, kind=Notification.Kind.DROPPED, message="Someone else's news")
    client.force_login(me)
    response = client.get("/accounts/notifications/")
    assert response.status_code == 200
    assert_page_basics(response)
    text = text_of(response)
    assert "“Kelidar” is yours." in text and "New" in text
    assert "Someone else's news" not in text
    assert Notification.objects.get(user=me).read_at is not None
    assert Notification.objects.get(user=other).read_at is None
    assert "New" not in text_of(client.get("/accounts/notifications/")).replace("News", "")


def test_notifications_need_login(client):
    response = client.get("/accounts/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


# --- Navigation and error pages ---------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (None, ["/accounts/login/", "/accounts/signup/"], ["/wallet/", "/author/books/", "/admin/dashboard/"]),
        (Role.CUSTOMER, ["/reservations/", "/wallet/", "/subscription/", "/accounts/notifications/"], ["/admin/"]),
        (Role.AUTHOR, ["/author/books/", "/accounts/profile/"], ["/wallet/", "/admin/"]),
        (Role.ADMIN, ['href="/admin/"', "/admin/dashboard/"], ["/wallet/", "/author/books/"]),
    ],
)
def test_navigation_offers_the_pages_of_each_role(client, make_customer, role, shown, hidden):
    if role == Role.CUSTOMER:
        client.force_login(make_customer(Tier.FREE).user)
    elif role == Role.AUTHOR:
        client.force_login(AuthorFactory().user)
    elif role == Role.ADMIN:
        client.force_login(UserFactory(role=Role.ADMIN))
    html = client.get("/").content.decode()
    nav = html[html.index('<nav aria-label="Main">') : html.index("</nav>")]
    for link in shown:
        assert link in nav
    for link in hidden:
        assert link not in nav


def test_customer_pages_give_other_roles_the_403_page(client):
    client.force_login(AuthorFactory().user)
    for url in ("/wallet/", "/subscription/", "/reservations/"):
        response = client.get(url)
        assert response.status_code == 403
        html = assert_page_basics(response)
        assert "This page is for customers" in html


def test_unknown_address_gives_the_404_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in assert_page_basics(response)


# --- The whole customer journey, from the pages alone -----------------------------------


def test_a_newcomer_does_every_customer_task_from_the_pages(client, capsys, make_book):
    """Sign up, log in with the code, charge, buy Plus, reserve, see it, return it (R9, R11, R15, R17, R18, R21)."""
    book = make_book(units=1, title="Kelidar")
    client.post(
        "/accounts/signup/",
        {
            "role": "customer",
            "username": "reza",
            "email": "reza@example.com",
            "phone": "+989125550110",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    log_in_with_code(client, capsys, "reza", NEW_PASSWORD)

    # Free: the book page points to the subscription (R1).
    assert "Reserving needs Plus or Premium" in text_of(client.get(f"/books/{book.pk}/"))

    # The subscription offer is short of money: its link goes to the wallet with the shortfall (R11).
    offer = client.get("/subscription/confirm/?tier=plus&months=1")
    assert offer.status_code == 200 and "50,000 toman" in text_of(offer)
    charge_link = re.search(r'href="(/wallet/\?amount=50000[^"]*)"', offer.content.decode()).group(1)
    wallet = client.get(charge_link.replace("&amp;", "&"))
    assert 'value="50000"' in wallet.content.decode()

    key = re.search(r'name="idempotency_key" value="([^"]+)"', wallet.content.decode()).group(1)
    next_url = re.search(r'name="next" value="([^"]+)"', wallet.content.decode()).group(1).replace("&amp;", "&")
    charged = client.post("/wallet/charge/", {"amount": "60000", "idempotency_key": key, "next": next_url})
    assert charged.status_code == 302 and charged["Location"] == "/subscription/confirm/?tier=plus&months=1"

    offer = client.get(charged["Location"])
    state = re.search(r'name="state" value="([^"]*)"', offer.content.decode()).group(1)
    bought = client.post("/subscription/buy/", {"tier": "plus", "months": "1", "state": state})
    assert bought.status_code == 302
    assert "You are on Plus until" in text_of(client.get("/subscription/"))

    reserved = client.post(f"/books/{book.pk}/reserve/", {"days": "3"})
    assert reserved.status_code == 302 and reserved["Location"] == "/reservations/"
    mine = client.get("/reservations/")
    assert "“Kelidar” is yours until" in text_of(mine) and "3,000 toman was charged" in text_of(mine)
    reservation = Reservation.objects.get(customer__user__username="reza")
    assert reservation.status == Status.ACTIVE

    returned = client.post(f"/reservations/{reservation.pk}/return/")
    assert returned.status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == Status.RETURNED
    assert "You returned “Kelidar”" in text_of(client.get("/reservations/"))

    kinds = list(
        WalletTransaction.objects.filter(customer=reservation.customer).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == [TransactionKind.CHARGE, TransactionKind.SUBSCRIPTION, TransactionKind.RESERVATION]
    reservation.customer.refresh_from_db()
    assert reservation.customer.balance == 60_000 - 50_000 - 3_000
    assert client.get("/accounts/notifications/").status_code == 200
