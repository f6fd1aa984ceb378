"""The compiled hot queries return what their QuerySets return (issue 16, item 1)."""

import threading

import django
import pytest
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from accounts.models import User
from accounts.tests.factories import AuthorFactory, UserFactory
from bookstore.compiled import CHECKED_WITH, CompiledQuery, Param

pytestmark = pytest.mark.django_db


def test_django_is_the_version_the_mechanism_was_checked_with():
    """On another minor version, read bookstore/compiled.py's list of internals again, then move CHECKED_WITH."""
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
