"""Every change to cohorts and participants: default cohorts, the draft plan's pins, the
allocation's commit, moves and withdrawals after it, and placing newcomers from the waitlist.

One function owns each change. Emails go through the outbox with a key per event, so each
person hears of each change exactly once.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from applications import decisions
from applications.enums import ConfirmedWeekend, JourneyTime, OfferStatus, Region
from applications.models import Application
from panitch import outbox
from panitch.models import Edition, User

from . import selectors
from .allocation import AllocationInputError, CohortSpec, Place, allocate
from .enums import PARTICIPANT_GROUP, ChangeKind, ParticipantStatus, Weekend
from .models import AllocationCommit, AllocationPin, Cohort, Participant, ParticipantChange

# The preview and the commit give the solver this long; 40 places solve in well under a second.
TIME_LIMIT = 20.0

PLACE_WEEKEND = {
    ConfirmedWeekend.A: "a",
    ConfirmedWeekend.B: "b",
    ConfirmedWeekend.BOTH: "either",
}
JOURNEY_LABELS = dict(JourneyTime.choices)
REGION_LABELS = dict(Region.choices)


def participant_group_sync(*, user_ids) -> None:
    """The Participant group holds exactly the people with an active place."""
    group, _ = Group.objects.get_or_create(name=PARTICIPANT_GROUP)
    active = set(
        Participant.objects.active()
        .filter(person_id__in=user_ids)
        .values_list("person_id", flat=True)
    )
    group.user_set.add(*active)
    group.user_set.remove(*(set(user_ids) - active))


def _name(user: User) -> str:
    return user.get_full_name() or user.email


# Cohorts


@transaction.atomic
def cohorts_create_default(*, edition: Edition) -> list[Cohort]:
    """The edition's two cohorts, one per in-person weekend, named after the venue city and
    sized edition.cohort_size. Does nothing if the edition already has cohorts."""
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    existing = list(edition.cohorts.all())
    if existing:
        return existing
    same_city = edition.weekend_a_city == edition.weekend_b_city
    cohorts = []
    for weekend in (Weekend.A, Weekend.B):
        city = getattr(edition, f"weekend_{weekend}_city")
        cohorts.append(
            Cohort.objects.create(
                edition=edition,
                name=f"{city} {weekend.label}" if same_city else city,
                weekend=weekend,
                venue_city=city,
                capacity=edition.cohort_size,
            )
        )
    return cohorts


# The draft plan


def place_for(application: Application, cohorts: list[Cohort]) -> Place:
    """The solver's view of one confirmed place."""
    return Place(
        id=str(application.pk),
        weekend=PLACE_WEEKEND.get(application.confirmed_weekend, ""),
        region=application.region,
        postcode=application.postcode,
        journeys={
            cohort.venue_city: getattr(application, f"journey_time_{cohort.weekend}")
            for cohort in cohorts
        },
        experienced=selectors.is_experienced(application),
        needs_accommodation=bool(application.may_need_accommodation),
    )


def _spec(cohort: Cohort, capacity: int | None = None) -> CohortSpec:
    return CohortSpec(
        id=str(cohort.pk),
        weekend=cohort.weekend,
        venue_city=cohort.venue_city,
        capacity=cohort.capacity if capacity is None else capacity,
    )


def _can_attend(application: Application, cohort: Cohort) -> bool:
    weekend = PLACE_WEEKEND.get(application.confirmed_weekend, "")
    return weekend == "either" or weekend == cohort.weekend


def input_problems(
    *, applications: list[Application], cohorts: list[Cohort], pins: dict[int, Cohort]
) -> list[str]:
    """What stops an allocation before the solver runs, each in plain words naming who or
    which cohort."""
    problems = []
    if not cohorts:
        problems.append("This edition has no cohorts yet: create them first.")
    for cohort in cohorts:
        if cohort.capacity < 1:
            problems.append(
                f"{cohort.name} has no places (capacity 0): give it a capacity or delete it."
            )
    for application in applications:
        if application.confirmed_weekend not in PLACE_WEEKEND:
            problems.append(
                f"{_name(application.applicant)} ({application.reference_number}) confirmed "
                "their place without saying which weekend they can come to: ask them, then "
                "record it on their application."
            )
    pinned = Counter()
    for application in applications:
        cohort = pins.get(application.pk)
        if cohort is None:
            continue
        pinned[cohort.pk] += 1
        if application.confirmed_weekend in PLACE_WEEKEND and not _can_attend(application, cohort):
            problems.append(
                f"{_name(application.applicant)} is pinned to {cohort.name} "
                f"({cohort.get_weekend_display()}) but can only come to "
                f"{application.get_confirmed_weekend_display()}: unpin or move them."
            )
    for cohort in cohorts:
        if pinned[cohort.pk] > cohort.capacity >= 1:
            problems.append(
                f"{pinned[cohort.pk]} people are pinned to {cohort.name}, which has "
                f"{cohort.capacity} places: unpin some or add capacity."
            )
    return problems


@dataclass
class PlanRow:
    application: Application
    cohort: Cohort | None
    pinned: bool
    explanation: str
    burden: int
    journey: str  # the band they gave for this cohort's venue, or "estimated from postcode"


@dataclass
class CohortPlan:
    cohort: Cohort
    rows: list[PlanRow] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def regions(self) -> list[tuple[str, int]]:
        counts = Counter(
            REGION_LABELS.get(row.application.region, "Region not given") for row in self.rows
        )
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    @property
    def weekends(self) -> list[tuple[str, int]]:
        counts = Counter(row.application.get_confirmed_weekend_display() for row in self.rows)
        return sorted(counts.items())

    @property
    def total_burden(self) -> int:
        return sum(row.burden for row in self.rows)

    @property
    def worst_burden(self) -> int:
        return max((row.burden for row in self.rows), default=0)

    @property
    def experienced(self) -> int:
        return sum(1 for row in self.rows if selectors.is_experienced(row.application))

    @property
    def accommodation(self) -> int:
        return sum(1 for row in self.rows if row.application.may_need_accommodation)


@dataclass
class AllocationPlan:
    edition: Edition
    cohorts: list[CohortPlan]
    problems: list[str]
    status: str = ""  # the solver's: optimal, feasible, infeasible; "" if it did not run
    objective: float | None = None
    gap: float | None = None
    unplaced: list[PlanRow] = field(default_factory=list)
    committed: AllocationCommit | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.status in ("optimal", "feasible")

    @property
    def total_burden(self) -> int:
        return sum(plan.total_burden for plan in self.cohorts)

    @property
    def worst_burden(self) -> int:
        return max((plan.worst_burden for plan in self.cohorts), default=0)

    @property
    def places(self) -> int:
        return sum(plan.count for plan in self.cohorts) + len(self.unplaced)


def _journey(application: Application, cohort: Cohort) -> str:
    band = getattr(application, f"journey_time_{cohort.weekend}")
    return JOURNEY_LABELS.get(band, "estimated from postcode")


def allocation_plan(*, edition: Edition, time_limit: float = TIME_LIMIT) -> AllocationPlan:
    """The draft allocation of every unallocated confirmed place, with the staff's pins held.

    Reads a fixed number of queries whatever the number of places; runs the solver.
    """
    cohorts = list(Cohort.objects.filter(edition=edition).order_by("weekend", "name", "pk"))
    by_pk = {cohort.pk: cohort for cohort in cohorts}
    applications = list(selectors.unallocated_places(edition=edition))
    pins = {
        pin.application_id: by_pk[pin.cohort_id]
        for pin in AllocationPin.objects.filter(application__edition=edition)
        if pin.cohort_id in by_pk
    }
    committed = AllocationCommit.objects.filter(edition=edition).first()
    plan = AllocationPlan(
        edition=edition,
        cohorts=[CohortPlan(cohort=cohort) for cohort in cohorts],
        problems=input_problems(applications=applications, cohorts=cohorts, pins=pins),
        committed=committed,
    )
    if committed:
        # After commit only newcomers are placed, into free places: see participants_place_new.
        return plan
    if plan.problems or not applications:
        plan.unplaced = [_row(application, None, pins) for application in applications]
        return plan
    try:
        result = allocate(
            places=[place_for(application, cohorts) for application in applications],
            cohorts=[_spec(cohort) for cohort in cohorts],
            pins={str(pk): str(cohort.pk) for pk, cohort in pins.items()},
            time_limit=time_limit,
        )
    except AllocationInputError as error:
        plan.problems.append(str(error))
        plan.unplaced = [_row(application, None, pins) for application in applications]
        return plan
    plan.status, plan.objective, plan.gap = result.status, result.objective, result.gap
    plan.problems.extend(result.problems)
    cohort_plans = {str(cohort_plan.cohort.pk): cohort_plan for cohort_plan in plan.cohorts}
    for application in applications:
        key = str(application.pk)
        cohort_plan = cohort_plans.get(result.assignments.get(key))
        row = _row(
            application,
            cohort_plan.cohort if cohort_plan else None,
            pins,
            explanation=result.explanations.get(key, ""),
            burden=result.burden.get(key, 0),
        )
        (cohort_plan.rows if cohort_plan else plan.unplaced).append(row)
    for cohort_plan in plan.cohorts:
        cohort_plan.rows.sort(
            key=lambda row: (_name(row.application.applicant), row.application.pk)
        )
    return plan


def _row(application, cohort, pins, *, explanation="", burden=0) -> PlanRow:
    return PlanRow(
        application=application,
        cohort=cohort,
        pinned=application.pk in pins,
        explanation=explanation,
        burden=burden,
        journey=_journey(application, cohort) if cohort else "",
    )


def _ensure_not_committed(edition: Edition) -> None:
    if AllocationCommit.objects.filter(edition=edition).exists():
        raise ValidationError(
            "This edition's allocation is committed: move participants one by one instead."
        )


@transaction.atomic
def allocation_pin(
    *, edition: Edition, application: Application, cohort: Cohort | None, by: User
) -> AllocationPin | None:
    """Pin a confirmed place to a cohort in the draft plan (cohort None: let the solver
    choose). Re-running the plan keeps every pin."""
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    _ensure_not_committed(edition)
    if application.edition_id != edition.pk or application.offer_status != OfferStatus.CONFIRMED:
        raise ValidationError({"application": "That person has no confirmed place here."})
    if cohort is None:
        AllocationPin.objects.filter(application=application).delete()
        return None
    if cohort.edition_id != edition.pk:
        raise ValidationError({"cohort": "That cohort belongs to another edition."})
    if not _can_attend(application, cohort):
        raise ValidationError(
            {
                "cohort": f"{_name(application.applicant)} can only come to "
                f"{application.get_confirmed_weekend_display() or 'neither weekend'}, "
                f"and {cohort.name} meets on {cohort.get_weekend_display()}."
            }
        )
    pin, _ = AllocationPin.objects.update_or_create(
        application=application,
        defaults={"cohort": cohort, "pinned_by": by, "pinned_at": timezone.now()},
    )
    return pin


@transaction.atomic
def allocation_unpin_all(*, edition: Edition, by: User) -> int:
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    _ensure_not_committed(edition)
    deleted, _ = AllocationPin.objects.filter(application__edition=edition).delete()
    return deleted


def _allocated_email(participant: Participant, cohort: Cohort, *, key: str, moved_from=None):
    edition = cohort.edition
    facilitators = [_name(user) for user in cohort.facilitators.all()]
    outbox.queue(
        kind="cohort_moved" if moved_from else "cohort_allocated",
        to=participant.person.email,
        key=key,
        template="cohort_moved" if moved_from else "cohort_allocated",
        context={
            "name": participant.person.first_name or participant.person.email,
            "edition_name": edition.name,
            "cohort_name": cohort.name,
            "moved_from": moved_from.name if moved_from else "",
            "venue_name": cohort.venue_name,
            "venue_city": cohort.venue_city,
            "venue_address": cohort.venue_address,
            "venue_access_notes": cohort.venue_access_notes,
            "weekend_label": cohort.get_weekend_display(),
            "weekend_starts_on": cohort.weekend_starts_on,
            "weekend_ends_on": cohort.weekend_ends_on,
            "day_starts_at": edition.weekend_day_starts_at,
            "day_ends_at": edition.weekend_day_ends_at,
            "facilitators": facilitators,
            "my_cohort_url": settings.PANITCH_BASE_URL + reverse("cohorts:mine"),
        },
    )


def _create_participants(
    *, edition: Edition, assignments: list[tuple[Application, Cohort]], by: User, audit: bool
) -> list[Participant]:
    now = timezone.now()
    participants = Participant.objects.bulk_create(
        [
            Participant(
                edition=edition,
                person=application.applicant,
                application=application,
                cohort=cohort,
                joined_at=now,
            )
            for application, cohort in assignments
        ]
    )
    cohorts = {cohort.pk: cohort for _, cohort in assignments}
    for cohort in Cohort.objects.filter(pk__in=cohorts).prefetch_related("facilitators"):
        cohorts[cohort.pk] = cohort
    if audit:
        ParticipantChange.objects.bulk_create(
            [
                ParticipantChange(
                    participant=participant,
                    kind=ChangeKind.ALLOCATED,
                    to_cohort_id=participant.cohort_id,
                    reason="Placed in a free place after the allocation was committed",
                    changed_by=by,
                    changed_at=now,
                )
                for participant in participants
            ]
        )
    for participant in participants:
        participant.cohort = cohorts[participant.cohort_id]
        _allocated_email(participant, participant.cohort, key=f"cohort_allocated:{participant.pk}")
    participant_group_sync(user_ids=[participant.person_id for participant in participants])
    return participants


@transaction.atomic
def allocation_commit(*, edition: Edition, by: User) -> AllocationCommit:
    """The draft plan becomes the edition's participants, and each is emailed their cohort,
    venue, weekend and facilitators once. Nothing is saved unless the plan is sound."""
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    _ensure_not_committed(edition)
    plan = allocation_plan(edition=edition)
    if not plan.places:
        raise ValidationError("Nobody has a confirmed place to allocate yet.")
    if not plan.ok or plan.unplaced:
        raise ValidationError(plan.problems or ["The plan leaves some people without a cohort."])
    assignments = [
        (row.application, plan_cohort.cohort)
        for plan_cohort in plan.cohorts
        for row in plan_cohort.rows
    ]
    participants = _create_participants(
        edition=edition, assignments=assignments, by=by, audit=False
    )
    AllocationPin.objects.filter(application__edition=edition).delete()
    return AllocationCommit.objects.create(
        edition=edition,
        committed_at=timezone.now(),
        committed_by=by,
        participants_created=len(participants),
        status=plan.status,
        objective=plan.objective,
    )


@transaction.atomic
def participants_place_new(*, edition: Edition, by: User) -> list[Participant]:
    """After commit: put people who confirmed since (a backfilled place) into cohorts with a
    free place, best journey first, without moving anyone already in a cohort."""
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    if not AllocationCommit.objects.filter(edition=edition).exists():
        raise ValidationError("Commit the allocation first: newcomers are placed after it.")
    applications = list(selectors.unallocated_places(edition=edition))
    if not applications:
        raise ValidationError("Everyone with a confirmed place is already in a cohort.")
    cohorts = list(Cohort.objects.filter(edition=edition).order_by("weekend", "name", "pk"))
    taken = selectors.active_count_by_cohort(edition=edition)
    free = {cohort.pk: max(cohort.capacity - taken.get(cohort.pk, 0), 0) for cohort in cohorts}
    open_cohorts = [cohort for cohort in cohorts if free[cohort.pk] > 0]
    problems = input_problems(applications=applications, cohorts=cohorts, pins={})
    if not open_cohorts:
        problems.append("No cohort has a free place: add capacity to a cohort first.")
    if problems:
        raise ValidationError(problems)
    try:
        result = allocate(
            places=[place_for(application, cohorts) for application in applications],
            cohorts=[_spec(cohort, free[cohort.pk]) for cohort in open_cohorts],
            time_limit=TIME_LIMIT,
        )
    except AllocationInputError as error:
        raise ValidationError(str(error)) from error
    if result.status == "infeasible":
        raise ValidationError(result.problems or ["The newcomers do not fit the free places."])
    by_pk = {str(cohort.pk): cohort for cohort in open_cohorts}
    assignments = [
        (application, by_pk[result.assignments[str(application.pk)]])
        for application in applications
    ]
    return _create_participants(edition=edition, assignments=assignments, by=by, audit=True)


# After commit: one participant at a time


@transaction.atomic
def participant_move(
    *, participant: Participant, cohort: Cohort, by: User, reason: str = ""
) -> ParticipantChange:
    """Move an active participant to another cohort of their edition; audited, and they are
    emailed once about this move."""
    participant = (
        Participant.objects.select_for_update()
        .select_related("person", "application", "cohort")
        .get(pk=participant.pk)
    )
    cohort = Cohort.objects.select_for_update().select_related("edition").get(pk=cohort.pk)
    if participant.status != ParticipantStatus.ACTIVE:
        raise ValidationError({"cohort": "Only someone taking part can be moved."})
    if cohort.edition_id != participant.edition_id:
        raise ValidationError({"cohort": "That cohort belongs to another edition."})
    if cohort.pk == participant.cohort_id:
        raise ValidationError({"cohort": f"{_name(participant.person)} is already in it."})
    if not _can_attend(participant.application, cohort):
        raise ValidationError(
            {
                "cohort": f"{_name(participant.person)} can only come to "
                f"{participant.application.get_confirmed_weekend_display()}, and "
                f"{cohort.name} meets on {cohort.get_weekend_display()}."
            }
        )
    if Participant.objects.active().filter(cohort=cohort).count() >= cohort.capacity:
        raise ValidationError(
            {"cohort": f"{cohort.name} is full ({cohort.capacity} places): add capacity first."}
        )
    moved_from = participant.cohort
    participant.cohort = cohort
    participant.save(update_fields=["cohort"])
    change = ParticipantChange.objects.create(
        participant=participant,
        kind=ChangeKind.MOVED,
        from_cohort=moved_from,
        to_cohort=cohort,
        reason=reason,
        changed_by=by,
    )
    _allocated_email(participant, cohort, key=f"cohort_moved:{change.pk}", moved_from=moved_from)
    return change


@transaction.atomic
def participant_withdraw(*, participant: Participant, by: User, reason: str) -> Participant:
    """The participant leaves the programme (their own choice, or staff's): the place is freed
    for the waitlist, and the change is audited."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason, so the programme team knows why."})
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.status == ParticipantStatus.WITHDRAWN:
        return participant
    now = timezone.now()
    participant.status = ParticipantStatus.WITHDRAWN
    participant.withdrawn_at = now
    participant.withdrawn_by = by
    participant.withdrawal_reason = reason
    participant.save(update_fields=["status", "withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    ParticipantChange.objects.create(
        participant=participant,
        kind=ChangeKind.WITHDRAWN,
        from_cohort_id=participant.cohort_id,
        reason=reason,
        changed_by=by,
        changed_at=now,
    )
    # The place is free again for the waitlist (applications counts confirmed places as taken).
    decisions.place_give_up(application=participant.application, by=by)
    participant_group_sync(user_ids=[participant.person_id])
    return participant


def participant_update_preferences(
    *, participant: Participant, by: User, share_contact: bool, dietary_needs: str
) -> Participant:
    if participant.person_id != by.pk:
        raise ValidationError("Only the participant can change these.")
    participant.share_contact = share_contact
    participant.dietary_needs = dietary_needs.strip()
    participant.save(update_fields=["share_contact", "dietary_needs"])
    return participant
