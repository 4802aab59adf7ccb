"""Every non-trivial read of the schedule, scoped to who is asking.

Who sees a session: the active participants of its cohort (of any cohort of the edition, for
a shared session), its facilitators and its cohort's (any cohort's of the edition, for a shared
session), and programme admins. Everyone else gets a 404 for it.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from cohorts.models import Cohort, Participant
from panitch.models import Edition

from .enums import AttendanceStatus
from .models import Attendance, FreeSessionRequest, ScheduleSettings, Session
from .rules import is_schedule_admin

ATTENDED = [AttendanceStatus.PRESENT, AttendanceStatus.LATE]
MISSED = [AttendanceStatus.ABSENT, AttendanceStatus.APOLOGIES]


def settings_for(edition: Edition) -> ScheduleSettings:
    """The edition's schedule settings, or the defaults if none were saved."""
    return ScheduleSettings.objects.filter(edition=edition).first() or ScheduleSettings(
        edition=edition
    )


@dataclass(frozen=True)
class Reach:
    """The cohorts and editions whose sessions a person sees, worked out once per request."""

    is_admin: bool
    participant: Participant | None
    member_cohort_ids: frozenset[int]
    facilitated_cohort_ids: frozenset[int]
    edition_ids: frozenset[int]
    user_id: int

    @property
    def cohort_ids(self) -> frozenset[int]:
        return self.member_cohort_ids | self.facilitated_cohort_ids


def reach_of(user) -> Reach:
    participant = (
        Participant.objects.active()
        .filter(person=user)
        .select_related("cohort", "edition")
        .order_by("-edition__year")
        .first()
    )
    member = frozenset([participant.cohort_id]) if participant else frozenset()
    facilitated = list(Cohort.objects.filter(facilitators=user).values_list("pk", "edition_id"))
    editions = {edition for _, edition in facilitated}
    editions.update(Session.objects.filter(facilitators=user).values_list("edition_id", flat=True))
    if participant:
        editions.add(participant.edition_id)
    return Reach(
        is_admin=is_schedule_admin(user),
        participant=participant,
        member_cohort_ids=member,
        facilitated_cohort_ids=frozenset(pk for pk, _ in facilitated),
        edition_ids=frozenset(editions),
        user_id=user.pk,
    )


def sessions_for(reach: Reach):
    """The sessions this person takes part in or leads (every session, for admins)."""
    sessions = Session.objects.select_related("cohort", "edition")
    if reach.is_admin:
        return sessions
    own = Session.facilitators.through.objects.filter(user_id=reach.user_id).values("session_id")
    return sessions.filter(
        Q(cohort_id__in=reach.cohort_ids)
        | Q(cohort__isnull=True, edition_id__in=reach.edition_ids)
        | Q(pk__in=own)
    )


def session_for_page(reach: Reach, *, pk: int) -> Session:
    """One session with what its page shows, or Session.DoesNotExist."""
    return (
        sessions_for(reach)
        .prefetch_related("materials", "facilitators", "cohort__facilitators")
        .get(pk=pk)
    )


def leads(reach: Reach, session: Session, facilitator_ids=()) -> bool:
    """May this person take the session's register?"""
    if reach.is_admin or reach.user_id in facilitator_ids:
        return True
    if session.cohort_id is None:
        return bool(reach.facilitated_cohort_ids) and session.edition_id in reach.edition_ids
    return session.cohort_id in reach.facilitated_cohort_ids or reach.user_id in facilitator_ids


def register_session(reach: Reach, *, pk: int) -> Session:
    """A session whose register this person may take, or Session.DoesNotExist (a 404)."""
    session = sessions_for(reach).get(pk=pk)
    session.facilitator_ids = set(session.facilitators.values_list("pk", flat=True))
    if not leads(reach, session, session.facilitator_ids):
        raise Session.DoesNotExist
    return session


def register_rows(reach: Reach, session: Session):
    """The participants on this session's register, each with their entry (or None), in two
    queries whatever their number."""
    participants = Participant.objects.active().select_related("person", "cohort")
    if session.cohort_id:
        participants = participants.filter(cohort_id=session.cohort_id)
    elif reach.is_admin or reach.user_id in getattr(session, "facilitator_ids", ()):
        # A shared session's own facilitators and admins take everyone's register.
        participants = participants.filter(edition_id=session.edition_id)
    else:
        participants = participants.filter(cohort_id__in=reach.facilitated_cohort_ids)
    participants = participants.order_by("cohort__name", "person__first_name", "person__last_name")
    entries = {a.participant_id: a for a in Attendance.objects.filter(session=session)}
    return [(p, entries.get(p.pk)) for p in participants]


@dataclass
class JoiningLink:
    state: str  # "in-person", "tbc", "cancelled", "later", "now", "over"
    url: str = ""
    from_time: dt.datetime | None = None


def joining_link(session: Session, *, lead: dt.timedelta, at: dt.datetime) -> JoiningLink:
    """What a person allowed to see this session sees of its link at this moment."""
    if session.format != "online":
        return JoiningLink("in-person")
    if session.cancelled_at:
        return JoiningLink("cancelled")
    if session.starts_at is None:
        return JoiningLink("tbc")
    opens = session.starts_at - lead
    if at < opens:
        return JoiningLink("later", from_time=opens)
    if at > session.ends_at:
        return JoiningLink("over")
    return JoiningLink("now", url=session.joining_url)


@dataclass
class ScheduleEntry:
    session: Session
    link: JoiningLink
    attendance: Attendance | None
    is_past: bool
    can_take_register: bool


@dataclass
class Schedule:
    upcoming: list[ScheduleEntry]
    past: list[ScheduleEntry]
    done: int
    total: int
    attended: int | None

    @property
    def next(self):
        return self.upcoming[0] if self.upcoming else None


def schedule_for(reach: Reach, *, at: dt.datetime | None = None) -> Schedule:
    """A person's schedule: dated upcoming sessions soonest first, then those to be
    confirmed in curriculum order, then past sessions most recent first. A fixed number of
    queries whatever the number of sessions."""
    at = at or timezone.now()
    sessions = list(
        sessions_for(reach)
        .filter(edition_id__in=reach.edition_ids)
        .prefetch_related(
            Prefetch("facilitators", to_attr="facilitator_list"),
        )
        .order_by("position", "cohort__name", "pk")
    )
    editions = {s.edition_id: s.edition for s in sessions}
    # One edition's schedule: the participant's own, else the newest a facilitator leads in
    # (last year's finished sessions would otherwise count towards this year's "n of 19").
    if reach.participant:
        shown = reach.participant.edition_id
    else:
        shown = max(editions.values(), key=lambda e: e.year).pk if editions else None
    sessions = [s for s in sessions if s.edition_id == shown]
    editions = {pk: e for pk, e in editions.items() if pk == shown}
    leads_by_edition = {
        pk: settings_for(edition).joining_link_lead for pk, edition in editions.items()
    }
    attendance = {}
    if reach.participant:
        attendance = {
            a.session_id: a for a in Attendance.objects.filter(participant=reach.participant)
        }
    upcoming, tbc, past = [], [], []
    for session in sessions:
        is_past = session.ends_at is not None and session.ends_at < at
        facilitator_ids = {f.pk for f in session.facilitator_list}
        entry = ScheduleEntry(
            session=session,
            link=joining_link(session, lead=leads_by_edition[session.edition_id], at=at),
            attendance=attendance.get(session.pk),
            is_past=is_past,
            can_take_register=leads(reach, session, facilitator_ids)
            and session.starts_at is not None
            and session.starts_at <= at
            and not session.cancelled_at,
        )
        if is_past:
            past.append(entry)
        elif session.starts_at is None:
            tbc.append(entry)
        else:
            upcoming.append(entry)
    upcoming.sort(key=lambda e: e.session.starts_at)
    past.sort(key=lambda e: e.session.starts_at, reverse=True)
    counted = [s for s in sessions if not s.cancelled_at]
    if reach.participant:
        counted = [
            s
            for s in counted
            if s.cohort_id in (None, reach.participant.cohort_id)
            and s.edition_id == reach.participant.edition_id
        ]
    return Schedule(
        upcoming=upcoming + tbc,
        past=past,
        done=sum(1 for s in counted if s.ends_at is not None and s.ends_at < at),
        total=len(counted),
        attended=sum(1 for a in attendance.values() if a.status in ATTENDED)
        if reach.participant
        else None,
    )


@dataclass
class Completion:
    participant: Participant
    attended: int
    missed: int
    total: int
    at_risk: bool


def completion(*, edition: Edition) -> list[Completion]:
    """Each active participant's sessions attended (present or late) out of their cohort's
    sessions, and whether they have missed enough to be at risk. Three queries."""
    threshold = settings_for(edition).at_risk_after_missed
    counted = Session.objects.filter(edition=edition, cancelled_at__isnull=True)
    per_cohort = Counter(counted.values_list("cohort_id", flat=True))
    shared = per_cohort.pop(None, 0)
    live = Q(attendance__session__cancelled_at__isnull=True)
    participants = (
        Participant.objects.active()
        .filter(edition=edition)
        .select_related("person", "cohort")
        .annotate(
            attended=Count("attendance", filter=live & Q(attendance__status__in=ATTENDED)),
            missed=Count("attendance", filter=live & Q(attendance__status__in=MISSED)),
        )
        .order_by("cohort__name", "person__last_name", "person__first_name")
    )
    return [
        Completion(
            participant=p,
            attended=p.attended,
            missed=p.missed,
            total=per_cohort.get(p.cohort_id, 0) + shared,
            at_risk=p.missed >= threshold,
        )
        for p in participants
    ]


def free_requests_for(*, cohort_ids, participant: Participant | None = None):
    """Open free-session requests of these cohorts, most supported first."""
    return (
        FreeSessionRequest.objects.filter(cohort_id__in=cohort_ids, session__isnull=True)
        .select_related("requested_by__person", "cohort")
        .annotate(
            support_count=Count("supports", distinct=True),
            supported_by_me=Count(
                "supports",
                filter=Q(supports__participant=participant) if participant else Q(pk__in=[]),
                distinct=True,
            ),
        )
        .order_by("-support_count", "created_at", "pk")
    )


def free_slots(*, cohort: Cohort):
    """Free-session slots of the cohort (or shared) not yet holding a request."""
    return (
        Session.objects.for_cohort(cohort)
        .filter(strand="free", free_request__isnull=True, cancelled_at__isnull=True)
        .order_by("position", "pk")
    )
