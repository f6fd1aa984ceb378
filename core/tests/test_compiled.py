"""The compiled hot queries return what their QuerySets return (issue 16, item 1)."""

import threading

import django
import pytest
from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from accounts.models import User
from accounts.tests.factories import AuthorFactory, UserFactory
from core.compiled import CHECKED_WITH, CompiledQuery, Param

pytestmark = pytest.mark.django_db


def test_django_is_the_version_the_mechanism_was_checked_with():
    """On another minor version, read core/compiled.py's list of internals again, then move CHECKED_WITH."""
    assert django.VERSION[:2] == CHECKED_WITH


def users_by_pk(pk):
    return User.objects.select_related("customer", "author").filter(pk=pk)[:1]


USER = CompiledQuery(users_by_pk, pk=Param("pk", 0))


def fields(user) -> dict:
    return {field.attname: getattr(user, field.attname) for field in user._meta.concrete_fields}


def test_model_instances_with_related_objects_equal_the_orms(make_customer):
    customer = make_customer()
    author_user = AuthorFactory().user
    for user in (customer.user, author_user):
        compiled, orm = USER.first(pk=user.pk), list(users_by_pk(user.pk))[0]
        assert fields(compiled) == fields(orm)
        assert compiled._state.adding is False and compiled._state.db == "default"
    compiled, orm = USER.first(pk=customer.user.pk), list(users_by_pk(customer.user.pk))[0]
    assert fields(compiled.customer) == fields(orm.customer) and compiled.customer.user is compiled
    assert fields(USER.first(pk=author_user.pk).author) == fields(author_user.author)
    assert USER.first(pk=10**9) is None


def test_it_costs_one_query_and_compiles_once(django_assert_num_queries):
    user = UserFactory()
    USER.first(pk=user.pk)
    with django_assert_num_queries(1):
        assert USER.first(pk=user.pk).pk == user.pk


def test_calls_share_the_compiled_queryset_without_running_or_changing_it(make_customer):
    """Each call is a shallow copy of the compiled QuerySet (no clone of its Query): the
    original is never evaluated, and what one call binds never shows in the next."""
    first, second = make_customer(), make_customer()
    USER.first(pk=first.user.pk)
    queryset, compiler = USER._local.prepared[:2]
    sql_before = compiler.as_sql()
    assert USER.first(pk=second.user.pk).pk == second.user.pk
    assert USER.first(pk=first.user.pk).customer.pk == first.pk
    assert queryset._result_cache is None
    assert compiler.as_sql() == sql_before  # the bound values went to the per-call copies only


def test_annotations_and_string_parameters_bind_per_call():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")

    def named(pk, username):
        is_named = RawSQL("username = %s", (username,), output_field=BooleanField())
        return User.objects.filter(pk=pk).annotate(is_named=is_named)[:1]

    query = CompiledQuery(named, pk=Param("pk", 0), username=Param("username", ""))
    assert query.first(pk=alice.pk, username="alice").is_named is True
    assert query.first(pk=alice.pk, username="bob").is_named is False
    assert query.first(pk=bob.pk, username="bob").is_named is True


def test_values_list_rows_equal_the_orms():
    users = [UserFactory() for _ in range(3)]

    def names_from(pk):
        return User.objects.filter(pk__gte=pk).order_by("pk").values_list("pk", "username")

    query = CompiledQuery(names_from, pk=Param("pk", 0))
    assert query.run(pk=users[1].pk) == list(names_from(users[1].pk))


def test_a_placeholder_the_orm_transforms_is_refused():
    query = CompiledQuery(lambda name: User.objects.filter(username__icontains=name), name=Param("name", ""))
    with pytest.raises(ValueError, match="transforms it"):
        query.run(name="x")


def test_a_placeholder_the_query_does_not_use_is_refused():
    query = CompiledQuery(lambda pk: User.objects.filter(Q(is_active=True)), pk=Param("pk", 0))
    with pytest.raises(ValueError, match="does not use it"):
        query.run(pk=1)


def test_missing_or_unknown_values_are_refused():
    with pytest.raises(TypeError, match="exactly"):
        USER.run()
    with pytest.raises(TypeError, match="exactly"):
        USER.run(pk=1, other=2)


@pytest.mark.django_db(transaction=True)
def test_each_thread_compiles_for_its_own_connection():
    user = UserFactory()
    found = []

    def lookup():
        try:
            found.append(USER.first(pk=user.pk).pk)
        finally:
            from django.db import connection

            connection.close()

    threads = [threading.Thread(target=lookup) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == [user.pk] * 4


def test_a_datetime_placeholder_binds_everywhere_it_stands(now):
    from datetime import timedelta

    old, new = UserFactory(), UserFactory()
    User.objects.filter(pk=old.pk).update(date_joined=now - timedelta(days=10), last_login=now - timedelta(days=9))
    User.objects.filter(pk=new.pk).update(date_joined=now - timedelta(days=1), last_login=now)

    def joined_and_seen_before(at):
        return User.objects.filter(date_joined__lt=at, last_login__lt=at).order_by("pk").values_list("pk", flat=True)

    query = CompiledQuery(joined_and_seen_before, at=Param("at", now))
    for at in (now - timedelta(days=5), now - timedelta(hours=1), now + timedelta(seconds=1)):
        assert query.run(at=at) == list(joined_and_seen_before(at))
    assert query.run(at=now + timedelta(seconds=1)) == [old.pk, new.pk]


def test_integer_placeholders_stay_within_small_integer_columns(make_book):
    """A placeholder compared with a small integer column is bound like any other value
    (Django drops a comparison with a value outside a column's range)."""
    from catalog.models import Book

    book = make_book(units=3)
    query = CompiledQuery(
        lambda units: Book.objects.filter(pk=book.pk, units__gte=units).values_list("pk", flat=True),
        units=Param("units", 0),
    )
    assert query.run(units=3) == [book.pk]
    assert query.run(units=4) == []


def test_a_literal_equal_to_a_marker_is_not_taken_for_the_placeholder():
    """The query is compiled with two sets of markers, so only the placeholder's parameter moves."""
    from core.compiled import _marker_like

    user = UserFactory()
    clash = _marker_like(0, 0, 0)  # the first placeholder's first marker, written as a literal

    def both(pk):
        return User.objects.filter(Q(pk=pk) | Q(pk=clash)).values_list("pk", flat=True)

    query = CompiledQuery(both, pk=Param("pk", 0))
    assert query.run(pk=user.pk) == [user.pk]


@pytest.mark.django_db(transaction=True)
def test_select_for_update_is_refused_outside_a_transaction_as_django_refuses_it():
    from django.db import transaction
    from django.db.transaction import TransactionManagementError

    user = UserFactory()
    query = CompiledQuery(lambda pk: User.objects.select_for_update().filter(pk=pk)[:1], pk=Param("pk", 0))
    with transaction.atomic():
        assert query.first(pk=user.pk).pk == user.pk
    with pytest.raises(TransactionManagementError):
        query.first(pk=user.pk)


# --- compiled writes ----------------------------------------------------------------


def row(model, pk) -> dict:
    return model.objects.filter(pk=pk).values().get()


def test_a_compiled_insert_writes_the_row_save_writes(make_customer, make_book, now):
    from core.compiled_writes import CompiledInsert
    from reservations.models import Reservation, Status

    book = make_book()
    fields = [field.name for field in Reservation._meta.concrete_fields if not field.primary_key]
    insert = CompiledInsert(Reservation, fields)

    def made(**values):
        return Reservation(customer=make_customer(), book=book, days=3, requested_at=now, **values)

    saved, compiled = made(status=Status.QUEUED), made(status=Status.QUEUED)
    saved.save()
    insert.run(compiled)
    assert compiled.pk and compiled.pk != saved.pk
    assert compiled._state.adding is False and compiled._state.db == "default"
    same = {"id": None, "customer_id": None}
    assert {**row(Reservation, compiled.pk), **same} == {**row(Reservation, saved.pk), **same}
    assert row(Reservation, compiled.pk)["customer_id"] == compiled.customer_id
    active = made(status=Status.QUEUED)
    active.activate(at=now, price=3_000, discount=0)
    insert.run(active)
    assert row(Reservation, active.pk)["ends_at"] == active.ends_at


def test_a_compiled_update_writes_its_fields_only_and_counts_the_rows(make_customer):
    from accounts.models import Customer
    from core.compiled_writes import CompiledUpdate

    customer = make_customer(balance=5_000)
    update = CompiledUpdate(Customer, ["balance"])
    stale = Customer.objects.get(pk=customer.pk)
    stale.balance, stale.auto_renew = 7_000, not stale.auto_renew
    assert update.run(stale) == 1
    fresh = Customer.objects.get(pk=customer.pk)
    assert (fresh.balance, fresh.auto_renew) == (7_000, customer.auto_renew)
    stale.pk = 10**9
    assert update.run(stale) == 0


def test_an_update_of_a_null_value_is_a_parameter_not_a_literal(make_customer, make_book, now):
    """Compiling with None would write NULL into the SQL for every later call."""
    from core.compiled_writes import CompiledUpdate
    from reservations.models import Reservation, Status

    reservation = Reservation.objects.create(
        customer=make_customer(), book=make_book(), days=2, requested_at=now, status=Status.QUEUED
    )
    update = CompiledUpdate(Reservation, ["status", "ended_at", "end_reason"])
    reservation.leave_queue(status=Status.CANCELLED, at=now, reason="left_queue")
    update.run(reservation)
    assert (row(Reservation, reservation.pk)["ended_at"], row(Reservation, reservation.pk)["status"]) == (
        now,
        "cancelled",
    )


def test_nothing_listens_to_the_saves_that_compiled_writes_replace():
    """CompiledInsert and CompiledUpdate send no signals: the models they write must have no receivers."""
    from django.db.models.signals import post_save, pre_save

    from accounts.models import Customer
    from billing.models import WalletTransaction
    from reservations.models import Reservation

    for model in (Reservation, WalletTransaction, Customer):
        assert not pre_save.has_listeners(model) and not post_save.has_listeners(model), model


def test_a_replaced_connection_gets_the_query_compiled_again(settings):
    """A change of settings.DATABASES gives the thread new connection objects: a query compiled
    on the old one must not run there, outside the transaction the caller is in."""
    from django.db import connections

    user = UserFactory()
    assert USER.first(pk=user.pk).pk == user.pk
    old = connections["default"]
    replacement = connections.create_connection("default")
    connections["default"] = replacement
    try:
        assert USER._bound({"pk": user.pk})._query._compiler.connection is replacement
    finally:
        connections["default"] = old
        replacement.close()
    assert USER._bound({"pk": user.pk})._query._compiler.connection is connections["default"]


def test_a_compiled_increment_sends_the_orms_f_update_and_adds_in_the_database(make_book):
    from django.db import connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from catalog.models import Book
    from core.compiled_writes import CompiledIncrement

    book = make_book(units=5)
    add = CompiledIncrement(Book, "units_on_loan")
    with CaptureQueriesContext(connection) as orm:
        Book.objects.filter(pk=book.pk).update(units_on_loan=F("units_on_loan") + 2)
    with CaptureQueriesContext(connection) as compiled:
        assert add.run(book.pk, 2) == 1
    assert compiled[0]["sql"] == orm[0]["sql"]
    assert add.run(book.pk, -3) == 1
    book.refresh_from_db()
    assert book.units_on_loan == 1
    assert add.run(0, 1) == 0  # no such row


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's parameter types")
def test_integers_of_any_size_make_one_prepared_statement_on_postgresql():
    """An int binds as a bigint whatever its magnitude, so the statement's parameter types,
    and so its prepared statement, never depend on the values (issue 15): psycopg would send
    5 as a smallint and 50,000 as an integer, and a page of 20 ids was never prepared."""
    from catalog.models import Book

    query = CompiledQuery(
        lambda a, b: Book.objects.filter(Q(pk=a) | Q(pk=b)).values_list("pk", flat=True),
        a=Param("a", 0),
        b=Param("b", 0),
    )
    threshold = connection.connection.prepare_threshold
    assert threshold is not None, "the settings prepare statements on PostgreSQL"
    for small, large in [(5, 50_000), (50_000, 5), (7, 8), (70_000, 80_000), (2**40, 1)] * (threshold + 1):
        assert query.run(a=small, b=large) == []
    parts = query.sql().split("%s")
    # The SQL as psycopg sends it, with $1, $2... for the placeholders.
    prepared = "".join(f"{part}${number}" for number, part in enumerate(parts[:-1], 1)) + parts[-1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT parameter_types::text[] FROM pg_prepared_statements WHERE statement = %s", [prepared])
        assert cursor.fetchall() == [(["bigint", "bigint"],)]
    assert query.run(a=10**20, b=-(10**20)) == []  # past a bigint: matches nothing, as the ORM's would


def test_raw_rows_hold_each_value_where_columns_says(make_customer, django_assert_num_queries):
    """The cursor's rows of the compiled SQL: the user's fields and its customer's, by columns()."""
    user = make_customer().user
    at = USER.columns()
    with django_assert_num_queries(1):
        (row,) = USER.raw_rows(pk=user.pk)
    assert (row[at["id"]], row[at["username"]], row[at["email"]]) == (user.pk, user.username, user.email)
    assert row[at["customer.id"]] == user.customer.pk and row[at["customer.tier"]] == user.customer.tier
    assert USER.raw_rows(pk=10**9) == []
