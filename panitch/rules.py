"""Who may do what. Roles are groups; object rules in later apps build on these predicates.

The admin asks the same questions (rules' ObjectPermissionBackend answers `has_perm`), so a
permission written here holds on every page.
"""

import rules

from .enums import Role


def has_role(role: Role):
    # Reads User.role_names, which loads the groups once per request and is shared with the
    # navigation, instead of a query per predicate.
    @rules.predicate(f"has_role:{role.value}")
    def predicate(user):
        return bool(getattr(user, "is_authenticated", False)) and role.value in user.role_names

    return predicate


is_reviewer = has_role(Role.REVIEWER)
is_programme_admin = has_role(Role.PROGRAMME_ADMIN)
is_facilitator = has_role(Role.FACILITATOR)
is_staff_member = is_reviewer | is_programme_admin

# The "panitch" app in the admin: editions, the outbox, accounts.
rules.add_perm("panitch", is_staff_member)
rules.add_perm("panitch.view_edition", is_staff_member)
rules.add_perm("panitch.add_edition", is_programme_admin)
rules.add_perm("panitch.change_edition", is_programme_admin)
rules.add_perm("panitch.view_outboxemail", is_programme_admin)
rules.add_perm("panitch.change_outboxemail", is_programme_admin)


@rules.predicate
def is_applicant_account(user, target):
    """The account is nobody's staff account (None: the question is about accounts at all)."""
    return target is None or not (target.is_staff or target.is_superuser)


# Superusers manage staff accounts, roles and passwords (Django grants them every permission);
# a programme admin only applicants' accounts, and the user admin never shows them a password.
rules.add_perm("panitch.view_user", is_programme_admin & is_applicant_account)
rules.add_perm("panitch.change_user", is_programme_admin & is_applicant_account)
