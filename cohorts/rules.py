"""Who may see which cohort. Written once; pages, exports and the admin all ask these.

A facilitator sees only the cohorts they facilitate, a participant only their own cohort, and
programme admins everything. Facilitators are not staff, so the admin is closed to them: their
roster pages are where they see participants.
"""

import rules

from panitch.rules import is_facilitator, is_programme_admin


def facilitated_cohort_ids(user) -> set[int]:
    """The cohorts this user facilitates, read once per user object (a request's user)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if not hasattr(user, "_facilitated_cohort_ids"):
        user._facilitated_cohort_ids = set(user.facilitated_cohorts.values_list("pk", flat=True))
    return user._facilitated_cohort_ids


def member_cohort_ids(user) -> set[int]:
    """The cohorts this user takes part in (active participations only), read once per user."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if not hasattr(user, "_member_cohort_ids"):
        user._member_cohort_ids = set(
            user.participations.active().values_list("cohort_id", flat=True)
        )
    return user._member_cohort_ids


@rules.predicate
def is_cohort_facilitator(user, cohort):
    return cohort is not None and is_facilitator(user) and cohort.pk in facilitated_cohort_ids(user)


@rules.predicate
def is_cohort_member(user, cohort):
    return cohort is not None and cohort.pk in member_cohort_ids(user)


@rules.predicate
def is_participant(user):
    return bool(member_cohort_ids(user))


@rules.predicate
def is_own_participation(user, participant):
    return participant is not None and participant.person_id == getattr(user, "pk", None)


# Pages: the roster (facilitators of the cohort, programme admins) and "my cohort".
rules.add_perm("cohorts.view_roster", is_programme_admin | is_cohort_facilitator)
rules.add_perm(
    "cohorts.view_members", is_programme_admin | is_cohort_facilitator | is_cohort_member
)
rules.add_perm("cohorts.allocate", is_programme_admin)
rules.add_perm("cohorts.withdraw_participant", is_programme_admin | is_own_participation)

# The admin: programme admins only.
rules.add_perm("cohorts", is_programme_admin)
for model in ("cohort", "participant", "allocationpin", "allocationcommit", "participantchange"):
    rules.add_perm(f"cohorts.view_{model}", is_programme_admin)
for model in ("cohort",):
    rules.add_perm(f"cohorts.add_{model}", is_programme_admin)
    rules.add_perm(f"cohorts.change_{model}", is_programme_admin)
rules.add_perm("cohorts.change_participant", is_programme_admin)
