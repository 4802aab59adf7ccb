"""Authentication backends that load the signed-in person and their roles in one query.

Every page shows the person's roles and builds the navigation from them, so fetching the
groups with the user saves a query on every signed-in request.
"""

import functools

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends
from django.db import connection
from django.db.models import Aggregate, CharField

from .models import User

SEPARATOR = "\n"  # never in a role's name


class RoleNames(Aggregate):
    """The person's group names joined into one string (PostgreSQL and SQLite spellings)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, chr(10))"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="GROUP_CONCAT",
            template="%(function)s(%(expressions)s, char(10))",
            **extra_context,
        )


def user_with_roles(user_id) -> User | None:
    user = next(iter(User.objects.raw(_user_with_roles_sql(connection.vendor), [user_id])), None)
    if user is not None:
        user._role_names = set(filter(None, (user.role_list or "").split(SEPARATOR)))
    return user


@functools.cache
def _user_with_roles_sql(vendor: str) -> str:
    """The query, compiled by the ORM once per database kind rather than on every request:
    building and compiling it cost three times what running it does."""
    placeholder = -1
    queryset = (
        User.objects.filter(pk=placeholder).annotate(role_list=RoleNames("groups__name")).order_by()
    )
    sql, params = queryset.query.sql_with_params()
    assert params == (placeholder,), params  # the person's id is its only parameter
    return sql


class RolesMixin:
    def get_user(self, user_id):
        user = user_with_roles(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(RolesMixin, backends.ModelBackend):
    pass


class AuthenticationBackend(RolesMixin, allauth_backends.AuthenticationBackend):
    pass
