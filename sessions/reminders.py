"""Session reminders, found by polling the database (Celery beat runs this every few minutes).

Online sessions are reminded two days and two hours before, with the joining link; a cohort's
in-person weekend a week before its first session, with the venue, the times, travel, the
claims process and the accommodation rule. The online closing day's sessions are reminded
together, as one day, two days and two hours before its first session (one email, not five).
Each email carries an .ics of what it reminds of.

Exactly once per session, person and kind: every reminder's outbox key names the session, the
kind, the session's start and the person, and the outbox's unique key makes a second sweep
(beat firing twice, a worker killed mid-run and the task run again) add nothing. Because the
start is in the key, a reminder due for a session's old time is never sent for it once the
session moves: the sweep only ever looks at the current time. A reminder point has a grace
window (half its lead time): a sweep that runs late, or a person added just after the point,
still gets it; a point long past (the person joined later, the session was moved close) is
skipped rather than sent late.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from panitch import outbox
from panitch.models import OutboxEmail

from .calendar import LONDON, ics_attachment
from .enums import Format, Part
from .models import Session
from .notifications import Person, Personalised, session_context, session_people


@dataclass(frozen=True)
class Point:
    kind: str
    before: dt.timedelta
    template: str

    @property
    def grace(self) -> dt.timedelta:
        return self.before / 2

    def is_due(self, starts_at: dt.datetime, *, at: dt.datetime) -> bool:
        due = starts_at - self.before
        return due <= at <= due + self.grace and at < starts_at


ONLINE_POINTS = [
    Point("session_reminder_2d", dt.timedelta(days=2), "session_reminder_online"),
    Point("session_reminder_2h", dt.timedelta(hours=2), "session_reminder_online"),
]
WEEKEND_POINT = Point("session_reminder_weekend", dt.timedelta(days=7), "session_reminder_weekend")
# A weekend's sessions all start within this long of its first one.
WEEKEND_LENGTH = dt.timedelta(days=3)


@dataclass
class Due:
    """One reminder due now: its point, the session it is keyed on (the first of a weekend or
    closing day) and every session it tells about."""

    point: Point
    first: Session
    sessions: list[Session]


def reminder_key(*, point: Point, session: Session, person: Person) -> str:
    start = session.starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{point.kind}:{session.pk}:{start}:{person.pk}"


def _sessions():
    return (
        Session.objects.dated()
        .not_cancelled()
        .select_related("edition", "cohort")
        .order_by("starts_at", "pk")
    )


def due_online(*, at: dt.datetime) -> list[Due]:
    """Every online session (the closing day's apart) with a reminder point due now."""
    window = Q()
    for point in ONLINE_POINTS:
        window |= Q(
            starts_at__gte=at + point.before - point.grace, starts_at__lte=at + point.before
        )
    sessions = (
        _sessions()
        .filter(window, format=Format.ONLINE, starts_at__gt=at)
        .exclude(part=Part.CLOSING)
    )
    return [
        Due(point, session, [session])
        for session in sessions
        for point in ONLINE_POINTS
        if point.is_due(session.starts_at, at=at)
    ]


def _grouped(sessions, key) -> list[list[Session]]:
    groups = defaultdict(list)
    for session in sessions:
        groups[key(session)].append(session)
    return list(groups.values())


def due_closing_days(*, at: dt.datetime) -> list[Due]:
    """Every closing day (its sessions on one London date) with a point due before its first
    session. Its later sessions are told about in the same email."""
    longest = max(point.before for point in ONLINE_POINTS)
    # From a day back, so a day already under way is seen as such.
    sessions = _sessions().filter(
        part=Part.CLOSING,
        starts_at__gt=at - dt.timedelta(days=1),
        starts_at__lte=at + longest + dt.timedelta(days=1),
    )
    due = []
    for day in _grouped(
        sessions,
        lambda s: (s.edition_id, s.cohort_id, timezone.localtime(s.starts_at, LONDON).date()),
    ):
        first = day[0]
        if first.starts_at <= at:
            continue  # under way or over: it was reminded before it began
        for point in ONLINE_POINTS:
            if point.is_due(first.starts_at, at=at):
                due.append(Due(point, first, day))
    return due


def due_weekends(*, at: dt.datetime) -> list[Due]:
    """Every cohort weekend due its reminder, a week before its first session."""
    point = WEEKEND_POINT
    sessions = _sessions().filter(
        part=Part.WEEKEND,
        cohort__isnull=False,
        starts_at__gt=at,
        starts_at__lte=at + point.before + WEEKEND_LENGTH,
    )
    due = []
    for weekend in _grouped(sessions, lambda s: s.cohort_id):
        first = weekend[0]
        # The first session still ahead: once the weekend is under way it is hours away, so
        # the week-before point is long past and nothing is sent.
        if point.is_due(first.starts_at, at=at):
            shown = [s for s in weekend if s.starts_at < first.starts_at + WEEKEND_LENGTH]
            due.append(Due(point, first, shown))
    return due


def reminders_send_due(*, at: dt.datetime | None = None) -> int:
    """Queue every session reminder due at `at` (now) that is not in the outbox yet.

    Safe to run at any time and any number of times. Returns how many emails are new.
    Finding what is due takes a fixed number of queries whatever the edition's size (the
    sessions, their people, the outbox keys already taken); writing the rows is
    outbox.queue_many's, a few statements per 2,000 emails. Each email is rendered once per
    reminder and role and then given each person's name.
    """
    at = at or timezone.now()
    due = due_online(at=at) + due_closing_days(at=at) + due_weekends(at=at)
    people = session_people({s.pk: s for d in due for s in d.sessions}.values())

    wanted = []  # (reminder, person, key)
    for reminder in due:
        everyone = {}
        for session in reminder.sessions:  # facilitators of any of its sessions hear too
            for person in people[session.pk]:
                everyone.setdefault(person.pk, person)
        for person in sorted(everyone.values(), key=lambda p: p.pk):
            key = reminder_key(point=reminder.point, session=reminder.first, person=person)
            wanted.append((reminder, person, key))
    if not wanted:
        return 0

    taken = set(
        OutboxEmail.objects.filter(idempotency_key__in=[key for *_, key in wanted]).values_list(
            "idempotency_key", flat=True
        )
    )
    rendered, attachments, emails = {}, {}, []
    for reminder, person, key in wanted:
        if key in taken:
            continue
        ref = (reminder.point.kind, reminder.first.pk)
        if ref not in rendered:
            rendered[ref] = Personalised(
                reminder.point.template,
                _context(reminder),
                # Only the weekend's email differs for facilitators (no travel or claims).
                by_role=reminder.point is WEEKEND_POINT,
            )
            attachments[ref] = ics_attachment(reminder.sessions, name=_calendar_name(reminder))
        subject, text, html = rendered[ref].for_person(person)
        emails.append(
            {
                "kind": reminder.point.kind,
                "to": person.email,
                "key": key,
                "subject": subject,
                "text": text,
                "html": html,
                "attachments": [attachments[ref]],
            }
        )
    if not emails:
        return 0
    with transaction.atomic():
        return outbox.queue_many(emails)


def _calendar_name(reminder: Due) -> str:
    first = reminder.first
    if reminder.point is WEEKEND_POINT:
        return f"{first.edition.name} weekend, {first.cohort.name}"
    if first.part == Part.CLOSING:
        return f"{first.edition.name} closing day"
    return first.title


def _rows(sessions: list[Session]) -> list[dict]:
    return [
        {
            "title": s.title,
            "starts_at": timezone.localtime(s.starts_at, LONDON),
            "ends_at": timezone.localtime(s.ends_at, LONDON),
            "joining_url": s.joining_url if s.format == Format.ONLINE else "",
        }
        for s in sessions
    ]


def _context(reminder: Due) -> dict:
    first = reminder.first
    context = {
        **session_context(first),
        "lead": _lead(reminder.point),
        "is_closing_day": first.part == Part.CLOSING,
        "sessions": _rows(reminder.sessions),
    }
    if reminder.point is WEEKEND_POINT:
        cohort = first.cohort
        days = defaultdict(list)
        for row in context["sessions"]:
            days[row["starts_at"].date()].append(row)
        context.update(
            cohort_name=cohort.name,
            venue_name=cohort.venue_name,
            venue_address=cohort.venue_address,
            venue_city=cohort.venue_city,
            venue_access_notes=cohort.venue_access_notes,
            days=[{"date": day, "sessions": rows} for day, rows in sorted(days.items())],
            contact_name=first.edition.contact_name,
            programme_contact_email=first.edition.contact_email,
        )
    return context


def _lead(point: Point) -> str:
    return {
        "session_reminder_2d": "in two days",
        "session_reminder_2h": "in two hours",
        "session_reminder_weekend": "in a week",
    }[point.kind]
