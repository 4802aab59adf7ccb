"""Every change to the schedule: the curriculum, a session's time and place, materials, the
register and free sessions. Views, the admin and the demo data call these; nothing else writes
sessions."""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from cohorts.models import Cohort, Participant
from panitch import outbox
from panitch.models import Edition, User

from . import notifications
from .enums import Format, Part, Strand
from .models import (
    Attendance,
    FreeSessionRequest,
    FreeSessionSupport,
    Material,
    Session,
    private_storage,
)
from .validation import LONDON, local, session_problems

# Changing any of these changes what a calendar holds: the iCalendar SEQUENCE goes up.
RESCHEDULING_FIELDS = {"starts_at", "ends_at", "format", "joining_url", "cancelled_at"}
EDITABLE_FIELDS = RESCHEDULING_FIELDS | {"title", "description", "strand", "position"}


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def at_london(day: dt.date, time: dt.time) -> dt.datetime:
    """A wall-clock time in London on that day (BST or GMT as it falls)."""
    return dt.datetime.combine(day, time, tzinfo=LONDON)


# --- The curriculum ---------------------------------------------------------------------------


@transaction.atomic
def curriculum_session_add(
    *,
    edition: Edition,
    by: User,
    part: str,
    strand: str,
    title: str,
    description: str = "",
    joining_url: str = "",
    facilitators=(),
    day: int | None = None,
    on: dt.date | None = None,
    starts: dt.time | None = None,
    ends: dt.time | None = None,
) -> list[Session]:
    """Add one session to the edition's curriculum, at the end of its order.

    A weekend session (day 1 or 2 of the weekend) becomes one session per cohort, on that
    cohort's weekend at its venue; an online session one per cohort (its date may be left to be
    confirmed); a closing day session one shared by every cohort.
    """
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    cohorts = list(Cohort.objects.filter(edition=edition).order_by("weekend", "name"))
    errors: dict[str, list[str]] = {}
    if part in (Part.WEEKEND, Part.ONLINE) and not cohorts:
        errors["part"] = ["Create the edition's cohorts first: this session is per cohort."]
    if part == Part.WEEKEND and day not in (1, 2):
        errors["day"] = ["Choose day 1 or day 2 of the weekend."]
    if part == Part.WEEKEND:
        starts = starts or edition.weekend_day_starts_at
        ends = ends or edition.weekend_day_ends_at
    if part == Part.CLOSING:
        on = edition.closing_day
    if part != Part.WEEKEND and on is not None and (starts is None or ends is None):
        errors["starts"] = ["Give a start and an end time, or leave the date empty (TBC)."]
    if part == Part.ONLINE and on is None and (starts or ends):
        errors["on"] = ["Give the date too, or leave the times empty: to be confirmed."]
    _raise(errors)

    position = (Session.objects.filter(edition=edition).aggregate(m=Max("position"))["m"] or 0) + 1
    fmt = Format.IN_PERSON if part == Part.WEEKEND else Format.ONLINE

    def build(cohort, when):
        return Session(
            edition=edition,
            cohort=cohort,
            position=position,
            part=part,
            strand=strand,
            title=title,
            description=description,
            format=fmt,
            joining_url="" if fmt == Format.IN_PERSON else joining_url,
            starts_at=at_london(when, starts) if when else None,
            ends_at=at_london(when, ends) if when else None,
        )

    if part == Part.WEEKEND:
        planned = [
            build(cohort, cohort.weekend_starts_on + dt.timedelta(days=day - 1))
            for cohort in cohorts
        ]
    elif part == Part.ONLINE:
        planned = [build(cohort, on) for cohort in cohorts]
    else:
        planned = [build(None, on)]

    existing = list(Session.objects.filter(edition=edition).select_related("cohort"))
    for session in planned:
        _merge(errors, session_problems(session, others=existing + planned))
    _raise(errors)
    for session in planned:
        session.save()
        session.facilitators.set(facilitators)
    return planned


def _merge(errors, more):
    for key, messages in more.items():
        for message in messages:
            if message not in errors.setdefault(key, []):
                errors[key].append(message)


@transaction.atomic
def curriculum_move(*, edition: Edition, position: int, up: bool) -> None:
    """Swap a curriculum item (every cohort's copy of it) with the one before or after."""
    positions = sorted(
        set(Session.objects.filter(edition=edition).values_list("position", flat=True))
    )
    if position not in positions:
        return
    index = positions.index(position) + (-1 if up else 1)
    if not 0 <= index < len(positions):
        return
    other = positions[index]
    moving = list(Session.objects.filter(edition=edition, position=position).values_list("pk"))
    Session.objects.filter(edition=edition, position=other).update(position=position)
    Session.objects.filter(pk__in=[pk for (pk,) in moving]).update(position=other)


@transaction.atomic
def session_update(*, session: Session, by: User | None, **changes) -> Session:
    """Change one session; the one place its time, place, link or status change.

    `facilitators` sets who leads it; `cancelled` (True/False) cancels or restores it. Any
    change to time, place, link or cancellation bumps the iCalendar sequence; a new start or
    end (or a first date for a TBC session) tells its people once, for this change.
    """
    session = (
        # Lock the session row only: its cohort is an outer join (shared sessions have none).
        Session.objects.select_for_update(of=("self",))
        .select_related("edition", "cohort")
        .get(pk=session.pk)
    )
    facilitators = changes.pop("facilitators", None)
    if "cancelled" in changes:
        cancel = changes.pop("cancelled")
        changes["cancelled_at"] = (session.cancelled_at or timezone.now()) if cancel else None
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"session_update cannot change {', '.join(sorted(unknown))}")
    previous_starts_at, previous_ends_at = session.starts_at, session.ends_at
    changed = [name for name, value in changes.items() if getattr(session, name) != value]
    for name in changed:
        setattr(session, name, changes[name])
    _raise(session_problems(session))
    if set(changed) & RESCHEDULING_FIELDS:
        session.sequence += 1
        changed.append("sequence")
    if changed:
        session.save(update_fields=[*changed, "updated_at"])
    if facilitators is not None:
        session.facilitators.set(facilitators)
    moved = previous_starts_at != session.starts_at or previous_ends_at != session.ends_at
    if moved and session.starts_at is not None and session.cancelled_at is None:
        notifications.queue_rescheduled(
            session=session,
            previous_starts_at=previous_starts_at,
            previous_ends_at=previous_ends_at,
        )
    return session


@transaction.atomic
def curriculum_item_update(*, session: Session, by: User | None, **changes) -> Session:
    """Change a session and give every cohort's copy of it the same title, strand and
    description (their times, links and facilitators stay their own). A free slot already
    holding a participant's request keeps its topic."""
    session = session_update(session=session, by=by, **changes)
    shared = {name: changes[name] for name in ("title", "strand", "description") if name in changes}
    copies = (
        Session.objects.filter(edition_id=session.edition_id, position=session.position)
        .exclude(pk=session.pk)
        .filter(free_request__isnull=True)
    )
    for copy in copies:
        session_update(session=copy, by=by, **shared)
    return session


# --- Materials --------------------------------------------------------------------------------


@transaction.atomic
def material_add(*, session: Session, by: User, title: str, file=None, url: str = "") -> None:
    """Attach a file or a link to the session and to every cohort's copy of it."""
    errors = {}
    if not title.strip():
        errors["title"] = ["Give the material a title."]
    if bool(file) == bool(url):
        errors["url"] = ["Upload a file or give a link (one of the two)."]
    _raise(errors)
    name = ""
    if file:
        name = private_storage().save(f"materials/{session.edition.year}/{file.name}", file)
    copies = Session.objects.filter(edition_id=session.edition_id, position=session.position)
    last = Material.objects.filter(session=session).aggregate(m=Max("position"))["m"] or 0
    Material.objects.bulk_create(
        Material(session=copy, title=title, file=name, url=url, position=last + 1)
        for copy in copies
    )


@transaction.atomic
def material_remove(*, material: Material, by: User) -> None:
    """Take a material off the session and every cohort's copy of it."""
    Material.objects.filter(
        session__edition_id=material.session.edition_id,
        session__position=material.session.position,
        title=material.title,
        file=material.file.name,
        url=material.url,
    ).delete()


# --- Copying a curriculum into a new edition --------------------------------------------------


def shift(moment: dt.datetime | None, *, days: int) -> dt.datetime | None:
    """The same London wall-clock time `days` later: 10:00 in BST stays 10:00 in GMT."""
    if moment is None:
        return None
    when = local(moment)
    return at_london(when.date() + dt.timedelta(days=days), when.time().replace(tzinfo=None))


@dataclass
class CopyPlan:
    source: Edition
    target: Edition
    sessions: list[Session] = field(default_factory=list)
    originals: list[Session] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def rows(self):
        return list(zip(self.originals, self.sessions, strict=True))


def curriculum_copy_plan(*, source: Edition, target: Edition) -> CopyPlan:
    """What copying `source`'s curriculum into `target` would create, not yet saved.

    Weekend sessions move by the gap between the two cohorts' weekends, online sessions by the
    gap between the editions' weekend A, closing day sessions by the gap between the closing
    days. Each cohort's sessions go to the new cohort of the same name (else the same weekend).
    TBC stays TBC. Facilitators are not copied: each year's are chosen afresh.
    """
    plan = CopyPlan(source=source, target=target)
    if Session.objects.filter(edition=target).exists():
        plan.errors.append(f"{target} already has sessions; copy only into an empty schedule.")
        return plan
    targets = list(Cohort.objects.filter(edition=target))
    by_name = {cohort.name: cohort for cohort in targets}
    by_weekend = {}
    for cohort in targets:
        by_weekend.setdefault(cohort.weekend, cohort)
    weekend_a_gap = (target.weekend_a_starts_on - source.weekend_a_starts_on).days
    closing_gap = (target.closing_day - source.closing_day).days
    sources = (
        Session.objects.filter(edition=source)
        .select_related("cohort")
        .order_by("position", "cohort__name", "pk")
    )
    for original in sources:
        cohort = None
        if original.cohort_id:
            cohort = by_name.get(original.cohort.name) or by_weekend.get(original.cohort.weekend)
            if cohort is None:
                plan.skipped.append(
                    f"“{original.title}” for {original.cohort.name}: {target} has no cohort "
                    "of that name or weekend."
                )
                continue
        if original.part == Part.WEEKEND:
            gap = (cohort.weekend_starts_on - original.cohort.weekend_starts_on).days
        elif original.part == Part.CLOSING:
            gap = closing_gap
        else:
            gap = weekend_a_gap
        plan.originals.append(original)
        plan.sessions.append(
            Session(
                edition=target,
                cohort=cohort,
                position=original.position,
                part=original.part,
                strand=original.strand,
                title=original.title,
                description=original.description,
                format=original.format,
                joining_url=original.joining_url,
                starts_at=shift(original.starts_at, days=gap),
                ends_at=shift(original.ends_at, days=gap),
                cancelled_at=None,
            )
        )
    for session in plan.sessions:
        for messages in session_problems(session, others=plan.sessions).values():
            for message in messages:
                text = f"“{session.title}”: {message}"
                if text not in plan.errors:
                    plan.errors.append(text)
    return plan


@transaction.atomic
def curriculum_copy(*, source: Edition, target: Edition, by: User) -> list[Session]:
    """Save what curriculum_copy_plan shows, materials included; all or nothing."""
    Edition.objects.select_for_update().get(pk=target.pk)
    plan = curriculum_copy_plan(source=source, target=target)
    if plan.errors:
        raise ValidationError(plan.errors)
    Session.objects.bulk_create(plan.sessions)
    materials = Material.objects.filter(session__in=plan.originals)
    new_for = {original.pk: new for original, new in plan.rows}
    Material.objects.bulk_create(
        Material(
            session=new_for[m.session_id],
            title=m.title,
            file=m.file.name,
            url=m.url,
            position=m.position,
        )
        for m in materials
        if m.session_id in new_for
    )
    return plan.sessions


# --- The register -----------------------------------------------------------------------------


def register_is_open(session: Session, *, at: dt.datetime | None = None) -> bool:
    at = at or timezone.now()
    return session.starts_at is not None and session.starts_at <= at and not session.cancelled_at


def takes_part(participant: Participant, session: Session) -> bool:
    return participant.edition_id == session.edition_id and (
        session.cohort_id is None or session.cohort_id == participant.cohort_id
    )


@transaction.atomic
def attendance_record(
    *, session: Session, participant: Participant, status: str, by: User
) -> Attendance:
    """Record (or correct) one participant's register entry; refused before the start."""
    if not register_is_open(session):
        raise ValidationError(
            "The register opens when the session starts."
            if session.cancelled_at is None
            else "This session was cancelled: it has no register."
        )
    if not takes_part(participant, session):
        raise ValidationError("This person is not in this session's cohort.")
    attendance, _ = Attendance.objects.update_or_create(
        session=session,
        participant=participant,
        defaults={"status": status, "recorded_by": by, "recorded_at": timezone.now()},
    )
    return attendance


# --- Free sessions ----------------------------------------------------------------------------


def free_requests_open(cohort: Cohort, *, at: dt.datetime | None = None) -> bool:
    """Participants ask for and offer free sessions once their first weekend is over."""
    at = at or timezone.now()
    return local(at).date() > cohort.weekend_ends_on


@transaction.atomic
def free_request_create(
    *, participant: Participant, kind: str, topic: str, details: str = ""
) -> FreeSessionRequest:
    if not free_requests_open(participant.cohort):
        raise ValidationError(
            "Requests and offers open after your in-person weekend "
            f"({date_format(participant.cohort.weekend_ends_on, 'j F Y')})."
        )
    if not topic.strip():
        raise ValidationError({"topic": ["Say what the session would be about."]})
    return FreeSessionRequest.objects.create(
        cohort=participant.cohort,
        requested_by=participant,
        kind=kind,
        topic=topic.strip(),
        details=details.strip(),
    )


@transaction.atomic
def free_request_support(
    *, request: FreeSessionRequest, participant: Participant
) -> FreeSessionSupport:
    """One participant supports a request of their cohort; supporting twice changes nothing."""
    if participant.cohort_id != request.cohort_id:
        raise ValidationError("You can support requests from your own cohort.")
    if participant.pk == request.requested_by_id:
        raise ValidationError("This is your own request.")
    support, _ = FreeSessionSupport.objects.get_or_create(request=request, participant=participant)
    return support


@transaction.atomic
def free_request_schedule(
    *, request: FreeSessionRequest, session: Session, by: User
) -> FreeSessionRequest:
    """Turn a request into the free slot `session`; tells its requester and supporters once."""
    request = (
        FreeSessionRequest.objects.select_for_update(of=("self",))
        .select_related("cohort", "requested_by__person")
        .get(pk=request.pk)
    )
    session = Session.objects.select_for_update().get(pk=session.pk)
    if request.session_id is not None:
        raise ValidationError("This request is already a session.")
    if session.strand != Strand.FREE:
        raise ValidationError({"session": ["Choose one of the free session slots."]})
    if session.edition_id != request.cohort.edition_id or session.cohort_id not in (
        None,
        request.cohort_id,
    ):
        raise ValidationError({"session": ["That free slot is not this cohort's."]})
    if FreeSessionRequest.objects.filter(session=session).exists():
        raise ValidationError({"session": ["That free slot already holds a session."]})
    request.session = session
    request.save(update_fields=["session"])
    session = session_update(
        session=session, by=by, title=request.topic[:200], description=request.details
    )
    people = [request.requested_by.person] + [
        support.participant.person
        for support in request.supports.select_related("participant__person")
    ]
    when = (
        "to be confirmed"
        if session.starts_at is None
        else f"{date_format(local(session.starts_at), 'l j F Y')}, {local(session.starts_at):%H:%M}"
    )
    link = settings.PANITCH_BASE_URL + reverse("schedule:session", args=[session.pk])
    for person in people:
        outbox.queue(
            kind="free_session_scheduled",
            to=person.email,
            key=f"free-session-scheduled:{request.pk}:{person.pk}",
            template="free_session_scheduled",
            context={
                "first_name": person.first_name,
                "topic": request.topic,
                "when": when,
                "session_url": link,
                "requested": person.pk == request.requested_by.person_id,
            },
        )
    return request
