"""Who may do what. Roles are groups; object rules in later apps build on these predicates.

The admin asks the same questions (rules' ObjectPermissionBackend answers `has_perm`), so a
permission written here holds on every page.
"""

import rules

from .enums import Role

is_reviewer = rules.is_group_member(Role.REVIEWER.value)
is_programme_admin = rules.is_group_member(Role.PROGRAMME_ADMIN.value)
is_facilitator = rules.is_group_member(Role.FACILITATOR.value)
is_staff_member = is_reviewer | is_programme_admin

# The "panitch" app in the admin: editions, the outbox, accounts.
rules.add_perm("panitch", is_staff_member)
rules.add_perm("panitch.view_edition", is_staff_member)
rules.add_perm("panitch.add_edition", is_programme_admin)
rules.add_perm("panitch.change_edition", is_programme_admin)
rules.add_perm("panitch.view_outboxemail", is_programme_admin)
rules.add_perm("panitch.change_outboxemail", is_programme_admin)
rules.add_perm("panitch.view_user", is_programme_admin)
rules.add_perm("panitch.change_user", is_programme_admin)
