from django.contrib.auth.models import Group
from django.db import transaction

from .enums import Role
from .models import User

STAFF_ROLES = {Role.REVIEWER, Role.PROGRAMME_ADMIN}


@transaction.atomic
def user_grant_role(*, user: User, role: Role) -> User:
    """Put the user in the role's group; staff roles also open the admin to them."""
    # get_or_create: a migration makes the groups, but a flushed database (tests) has none.
    group, _ = Group.objects.get_or_create(name=role.value)
    user.groups.add(group)
    if role in STAFF_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("_role_names", None)
    return user
