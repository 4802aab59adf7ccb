"""Who hears about a session, and the "rescheduled" email.

A session's people are the active participants of its cohort (every active participant of the
edition for a shared session such as the closing day) and its facilitators: the session's own
and its cohort's (every cohort's, for a shared session). `session_people` finds them for many
sessions in a fixed number of queries, so the reminder sweep costs the same for any edition.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from cohorts.models import Cohort, Participant
from panitch import outbox

from .calendar import LONDON, ics_attachment, session_place
from .enums import Format
from .models import Session


@dataclass(frozen=True)
class Person:
    pk: int
    email: str
    name: str
    is_facilitator: bool


def _person(row: dict, prefix: str, *, is_facilitator: bool) -> Person:
    first = row[f"{prefix}__first_name"]
    full = f"{first} {row[f'{prefix}__last_name']}".strip()
    return Person(
        pk=row[f"{prefix}_id"],
        email=row[f"{prefix}__email"],
        name=first or full or row[f"{prefix}__email"],
        is_facilitator=is_facilitator,
    )


def session_people(sessions: Iterable[Session]) -> dict[int, list[Person]]:
    """{session pk: its people, each once, ordered by pk}, in three queries whatever the
    number of sessions or participants."""
    sessions = list(sessions)
    if not sessions:
        return {}
    cohort_ids = {s.cohort_id for s in sessions if s.cohort_id}
    shared_editions = {s.edition_id for s in sessions if s.cohort_id is None}
    fields = ["person__email", "person__first_name", "person__last_name"]

    participants = (
        Participant.objects.active()
        .filter(Q(cohort_id__in=cohort_ids) | Q(edition_id__in=shared_editions))
        .order_by()
        .values("cohort_id", "edition_id", "person_id", *fields)
    )
    by_cohort, by_edition = defaultdict(list), defaultdict(list)
    for row in participants:
        person = _person(row, "person", is_facilitator=False)
        by_cohort[row["cohort_id"]].append(person)
        by_edition[row["edition_id"]].append(person)

    user_fields = ["user__email", "user__first_name", "user__last_name"]
    cohort_facilitators, edition_facilitators = defaultdict(list), defaultdict(list)
    through = Cohort.facilitators.through
    rows = (
        through.objects.filter(
            Q(cohort_id__in=cohort_ids) | Q(cohort__edition_id__in=shared_editions)
        )
        .order_by()
        .values("cohort_id", "cohort__edition_id", "user_id", *user_fields)
    )
    for row in rows:
        person = _person(row, "user", is_facilitator=True)
        cohort_facilitators[row["cohort_id"]].append(person)
        edition_facilitators[row["cohort__edition_id"]].append(person)

    own_facilitators = defaultdict(list)
    rows = Session.facilitators.through.objects.filter(
        session_id__in=[s.pk for s in sessions]
    ).values("session_id", "user_id", *user_fields)
    for row in rows:
        own_facilitators[row["session_id"]].append(_person(row, "user", is_facilitator=True))

    people = {}
    for session in sessions:
        if session.cohort_id:
            found = by_cohort[session.cohort_id] + cohort_facilitators[session.cohort_id]
        else:
            found = by_edition[session.edition_id] + edition_facilitators[session.edition_id]
        found += own_facilitators[session.pk]
        unique = {}
        for person in found:  # participants first: a person both ways is told as one
            unique.setdefault(person.pk, person)
        people[session.pk] = sorted(unique.values(), key=lambda p: p.pk)
    return people


def session_context(session: Session) -> dict:
    """Plain values the session emails show."""
    return {
        "title": session.title,
        "edition_name": session.edition.name,
        "starts_at": timezone.localtime(session.starts_at, LONDON) if session.starts_at else None,
        "ends_at": timezone.localtime(session.ends_at, LONDON) if session.ends_at else None,
        "is_online": session.format == Format.ONLINE,
        "place": session_place(session),
        "joining_url": session.joining_url if session.format == Format.ONLINE else "",
        "schedule_url": f"{settings.PANITCH_BASE_URL}/schedule/",
    }


def queue_rescheduled(
    *,
    session: Session,
    previous_starts_at: dt.datetime | None,
    previous_ends_at: dt.datetime | None,
) -> int:
    """Tell a session's people its new time, with the .ics: one email per person per change.

    Call it in the transaction that changes the time (or dates a TBC session), after
    session.sequence has gone up: the key holds the sequence, so each change is told once and
    a repeated call for the same change adds nothing. Returns how many emails are new.
    """
    if session.starts_at is None or session.cancelled_at is not None:
        return 0
    session = (
        Session.objects.select_related("edition", "cohort").get(pk=session.pk)
        if not _is_loaded(session)
        else session
    )
    context = {
        **session_context(session),
        "previous_starts_at": (
            timezone.localtime(previous_starts_at, LONDON) if previous_starts_at else None
        ),
        "previous_ends_at": (
            timezone.localtime(previous_ends_at, LONDON) if previous_ends_at else None
        ),
    }
    attachment = ics_attachment([session], name=session.title)
    emails = []
    for person in session_people([session])[session.pk]:
        subject, text, html = outbox.render(
            template="session_rescheduled",
            context={**context, "name": person.name, "is_facilitator": person.is_facilitator},
        )
        emails.append(
            {
                "kind": "session_rescheduled",
                "to": person.email,
                "key": f"session_rescheduled:{session.pk}:{session.sequence}:{person.pk}",
                "subject": subject,
                "text": text,
                "html": html,
                "attachments": [attachment],
            }
        )
    return outbox.queue_many(emails)


def _is_loaded(session: Session) -> bool:
    cache = session._state.fields_cache
    return "edition" in cache and (session.cohort_id is None or "cohort" in cache)
