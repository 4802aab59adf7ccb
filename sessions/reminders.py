"""Session reminders, found by polling the database (Celery beat runs this every few minutes).

Online sessions are reminded two days and two hours before, with the joining link; a cohort's
in-person weekend a week before its first session, with the venue, the times, travel, the
claims process and the accommodation rule. Each email carries an .ics of what it reminds of.

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


def due_online(*, at: dt.datetime) -> list[tuple[Point, Session]]:
    """(point, session) for every online session with a reminder point due now."""
    window = Q()
    for point in ONLINE_POINTS:
        window |= Q(
            starts_at__gte=at + point.before - point.grace, starts_at__lte=at + point.before
        )
    sessions = _sessions().filter(window, format=Format.ONLINE, starts_at__gt=at)
    return [
        (point, session)
        for session in sessions
        for point in ONLINE_POINTS
        if point.is_due(session.starts_at, at=at)
    ]


def due_weekends(*, at: dt.datetime) -> list[tuple[Session, list[Session]]]:
    """(first session, all its weekend's sessions) for every cohort weekend due a reminder."""
    point = WEEKEND_POINT
    sessions = _sessions().filter(
        part=Part.WEEKEND,
        cohort__isnull=False,
        starts_at__gt=at,
        starts_at__lte=at + point.before + WEEKEND_LENGTH,
    )
    by_cohort = defaultdict(list)
    for session in sessions:
        by_cohort[session.cohort_id].append(session)
    due = []
    for weekend in by_cohort.values():
        first = weekend[0]
        # The first session still ahead: once the weekend is under way it is hours away, so
        # the week-before point is long past and nothing is sent.
        if point.is_due(first.starts_at, at=at):
            due.append(
                (first, [s for s in weekend if s.starts_at < first.starts_at + WEEKEND_LENGTH])
            )
    return due


def _email(
    *, point: Point, session: Session, person: Person, email: Personalised, attachment: dict
):
    subject, text, html = email.for_person(person)
    return {
        "kind": point.kind,
        "to": person.email,
        "key": reminder_key(point=point, session=session, person=person),
        "subject": subject,
        "text": text,
        "html": html,
        "attachments": [attachment],
    }


def reminders_send_due(*, at: dt.datetime | None = None) -> int:
    """Queue every session reminder due at `at` (now) that is not in the outbox yet.

    Safe to run at any time and any number of times. Returns how many emails are new.
    Finding what is due takes a fixed number of queries whatever the edition's size (the
    sessions, their people, the outbox keys already taken); writing the rows is
    outbox.queue_many's, a few statements per 2,000 emails. Each email is rendered once per
    session, kind and role and then given each person's name.
    """
    at = at or timezone.now()
    online = due_online(at=at)
    weekends = due_weekends(at=at)
    sessions = {s.pk: s for _, s in online}
    for _, weekend in weekends:
        sessions.update((s.pk, s) for s in weekend)
    people = session_people(sessions.values())

    # (point, session, person, what the email shows) for every reminder due now.
    wanted = []
    for point, session in online:
        for person in people[session.pk]:
            wanted.append((point, session, person))
    weekend_of = {}
    for first, weekend in weekends:
        weekend_of[first.pk] = weekend
        everyone = {}
        for s in weekend:  # facilitators of any of the weekend's sessions hear about it
            for person in people[s.pk]:
                everyone.setdefault(person.pk, person)
        for person in sorted(everyone.values(), key=lambda p: p.pk):
            wanted.append((WEEKEND_POINT, first, person))
    if not wanted:
        return 0

    keys = [reminder_key(point=p, session=s, person=person) for p, s, person in wanted]
    taken = set(
        OutboxEmail.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    rendered, attachments, emails = {}, {}, []
    for (point, session, person), key in zip(wanted, keys, strict=True):
        if key in taken:
            continue
        if (point.kind, session.pk) not in rendered:
            rendered[point.kind, session.pk] = Personalised(
                point.template, _context(point, session, weekend_of)
            )
            shown = weekend_of.get(session.pk, [session])
            attachments[point.kind, session.pk] = ics_attachment(
                shown, name=_calendar_name(point, session)
            )
        emails.append(
            _email(
                point=point,
                session=session,
                person=person,
                email=rendered[point.kind, session.pk],
                attachment=attachments[point.kind, session.pk],
            )
        )
    if not emails:
        return 0
    with transaction.atomic():
        return outbox.queue_many(emails)


def _calendar_name(point: Point, session: Session) -> str:
    if point is WEEKEND_POINT:
        return f"{session.edition.name} weekend, {session.cohort.name}"
    return session.title


def _context(point: Point, session: Session, weekend_of: dict) -> dict:
    context = {**session_context(session), "lead": _lead(point)}
    if point is WEEKEND_POINT:
        cohort = session.cohort
        days = defaultdict(list)
        for s in weekend_of[session.pk]:
            days[timezone.localtime(s.starts_at, LONDON).date()].append(
                {
                    "title": s.title,
                    "starts_at": timezone.localtime(s.starts_at, LONDON),
                    "ends_at": timezone.localtime(s.ends_at, LONDON),
                }
            )
        context.update(
            cohort_name=cohort.name,
            venue_name=cohort.venue_name,
            venue_address=cohort.venue_address,
            venue_city=cohort.venue_city,
            venue_access_notes=cohort.venue_access_notes,
            days=[{"date": day, "sessions": rows} for day, rows in sorted(days.items())],
            contact_name=session.edition.contact_name,
            programme_contact_email=session.edition.contact_email,
        )
    return context


def _lead(point: Point) -> str:
    return {
        "session_reminder_2d": "in two days",
        "session_reminder_2h": "in two hours",
        "session_reminder_weekend": "in a week",
    }[point.kind]
