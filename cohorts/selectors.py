"""Every non-trivial read of cohorts and participants, scoped to the person asking.

Pages and exports go through these, so a facilitator of cohort A can never load cohort B:
the queryset simply does not hold it, and the page answers 404.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.http import Http404

from applications.enums import OfferStatus, OrganisingKind
from applications.models import Application
from panitch.models import Edition, User
from panitch.rules import is_programme_admin

from .enums import PARTICIPANT_GROUP, ParticipantStatus
from .models import Cohort, Participant

# An applicant who organised in at least this many kinds of organising (local group, CLP,
# union, tenants' union, environmental, anti-racist) counts as "experienced" for the balance.
EXPERIENCED_KINDS = 2


def is_experienced(application: Application) -> bool:
    """Experienced: organised in EXPERIENCED_KINDS or more of the form's kinds ("other" aside)."""
    kinds = {kind for kind in application.organising_kinds or [] if kind != OrganisingKind.OTHER}
    return len(kinds) >= EXPERIENCED_KINDS


def cohorts_for_staff(*, user: User):
    if not (user.is_superuser or is_programme_admin(user)):
        return Cohort.objects.none()
    return Cohort.objects.all()


def cohorts_for_roster(*, user: User):
    """The cohorts whose roster this user may read: their own, or all for programme admins."""
    cohorts = Cohort.objects.select_related("edition")
    if user.is_superuser or is_programme_admin(user):
        return cohorts
    return cohorts.filter(facilitators=user)


def cohort_for_roster(*, user: User, pk: int) -> Cohort:
    cohort = cohorts_for_roster(user=user).filter(pk=pk).prefetch_related("facilitators").first()
    if cohort is None:
        raise Http404("No such cohort.")
    return cohort


def _members(cohort: Cohort):
    return (
        Participant.objects.active()
        .filter(cohort=cohort)
        .select_related("person", "application")
        .order_by("person__first_name", "person__last_name", "pk")
    )


@dataclass(frozen=True)
class RosterColumn:
    """An extra column of the roster, from another app (attendance, say)."""

    label: str
    values: dict[int, str]  # participant pk → cell text


# Apps further right (the schedule's attendance) add roster columns by appending a function
# `(cohort, participants) -> RosterColumn` here in their AppConfig.ready(); cohorts never
# imports them. Each function must read its data for all participants in a fixed number of
# queries.
ROSTER_COLUMNS: list[Callable[[Cohort, list[Participant]], RosterColumn]] = []


@dataclass
class Roster:
    cohort: Cohort
    participants: list[Participant]
    columns: list[RosterColumn] = field(default_factory=list)

    def rows(self):
        """(participant, [(extra column label, cell), ...]) in order."""
        for participant in self.participants:
            yield (
                participant,
                [(column.label, column.values.get(participant.pk, "")) for column in self.columns],
            )


def roster(*, user: User, pk: int) -> Roster:
    """A cohort's roster for its facilitator (or a programme admin): 404 for anyone else."""
    cohort = cohort_for_roster(user=user, pk=pk)
    participants = list(_members(cohort))
    columns = [column(cohort, participants) for column in ROSTER_COLUMNS]
    return Roster(cohort=cohort, participants=participants, columns=columns)


def participation_for(*, user: User) -> Participant | None:
    """The person's current place: their latest edition's active participation."""
    if not user.is_authenticated:
        return None
    return (
        Participant.objects.active()
        .filter(person=user)
        .select_related("cohort__edition", "application", "edition")
        .order_by("-edition__year")
        .first()
    )


@dataclass
class MyCohort:
    participant: Participant
    cohort: Cohort
    facilitators: list[User]
    members: list[Participant]  # the others, not the participant themselves


def my_cohort(*, user: User) -> MyCohort | None:
    """What a participant sees of their cohort; None for anyone without a place."""
    participant = participation_for(user=user)
    if participant is None:
        return None
    cohort = (
        Cohort.objects.filter(pk=participant.cohort_id)
        .select_related("edition")
        .prefetch_related(
            Prefetch("facilitators", queryset=User.objects.order_by("first_name", "last_name"))
        )
        .get()
    )
    members = [member for member in _members(cohort) if member.pk != participant.pk]
    return MyCohort(
        participant=participant,
        cohort=cohort,
        facilitators=list(cohort.facilitators.all()),
        members=members,
    )


def confirmed_places(*, edition: Edition):
    """The edition's confirmed places (offer confirmed, application not withdrawn)."""
    return (
        Application.objects.filter(edition=edition, offer_status=OfferStatus.CONFIRMED)
        .exclude(status="withdrawn")
        .select_related("applicant")
        .order_by("pk")
    )


def unallocated_places(*, edition: Edition):
    """Confirmed places with no participant yet: before commit, everyone; later, newcomers."""
    return confirmed_places(edition=edition).filter(participant__isnull=True)


def edition_for_staff(*, user: User, edition_id: int) -> Edition:
    if not (user.is_superuser or is_programme_admin(user)):
        raise Http404("No such edition.")
    edition = Edition.objects.filter(pk=edition_id).first()
    if edition is None:
        raise Http404("No such edition.")
    return edition


def participant_for_staff(*, user: User, pk: int) -> Participant:
    if not (user.is_superuser or is_programme_admin(user)):
        raise Http404("No such participant.")
    participant = (
        Participant.objects.filter(pk=pk).select_related("person", "cohort", "edition").first()
    )
    if participant is None:
        raise Http404("No such participant.")
    return participant


def active_count_by_cohort(*, edition: Edition) -> dict[int, int]:
    counts: dict[int, int] = {}
    for cohort_id in Participant.objects.filter(
        edition=edition, status=ParticipantStatus.ACTIVE
    ).values_list("cohort_id", flat=True):
        counts[cohort_id] = counts.get(cohort_id, 0) + 1
    return counts


def has_cohort(*, user: User) -> bool:
    """Whether to show "Your cohort" in the navigation: asked on every page, so read from the
    roles loaded with the person (the Participant group), not from the database."""
    return user.is_authenticated and PARTICIPANT_GROUP in user.role_names
