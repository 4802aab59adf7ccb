"""The rules a schedule must keep, checked before anything is saved.

`session_problems` looks at one session as it would be saved, against the rest of its
edition's schedule, and returns field messages; services raise them as one ValidationError so
a form shows each next to its field and nothing is saved.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils.formats import date_format

from .enums import Format, Part
from .models import Session

LONDON = ZoneInfo("Europe/London")
CLOSING_DAY_SESSIONS = 5


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(LONDON)


def edition_first_day(edition) -> dt.date:
    return min(edition.weekend_a_starts_on, edition.weekend_b_starts_on)


def session_problems(session: Session, *, others=None) -> dict[str, list[str]]:
    """Field messages for `session` as it would be saved. `others`: the edition's other
    sessions as they would be (default: as they are in the database)."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    edition = session.edition
    if not session.title.strip():
        add("title", "Give the session a title.")
    if (session.starts_at is None) != (session.ends_at is None):
        add("ends_at", "Give both a start and an end, or neither (to be confirmed).")
    elif session.starts_at and session.ends_at <= session.starts_at:
        add("ends_at", "The session must end after it starts.")

    if session.part == Part.WEEKEND and session.cohort_id is None:
        add("cohort", "A weekend session belongs to one cohort (its weekend and venue).")
    if session.part == Part.CLOSING and session.cohort_id is not None:
        add("cohort", "The closing day is shared by every cohort: leave the cohort empty.")
    if session.format == Format.ONLINE and session.starts_at and not session.joining_url:
        add("joining_url", "An online session needs a joining link (or leave it to be confirmed).")

    if session.starts_at and session.ends_at and "ends_at" not in errors:
        starts, ends = local(session.starts_at), local(session.ends_at)
        if starts.date() < edition_first_day(edition) or ends.date() > edition.closing_day:
            add(
                "starts_at",
                f"This is outside the {edition} edition, which runs from "
                f"{date_format(edition_first_day(edition), 'j F Y')} to the closing day, "
                f"{date_format(edition.closing_day, 'j F Y')}.",
            )
        if session.part == Part.WEEKEND and session.cohort_id:
            cohort = session.cohort
            if not cohort.weekend_starts_on <= starts.date() <= cohort.weekend_ends_on:
                add(
                    "starts_at",
                    f"{cohort.name}'s weekend is "
                    f"{date_format(cohort.weekend_starts_on, 'j F')} to "
                    f"{date_format(cohort.weekend_ends_on, 'j F Y')}.",
                )
        if session.part == Part.CLOSING and starts.date() != edition.closing_day:
            add(
                "starts_at",
                f"Closing day sessions are on {date_format(edition.closing_day, 'j F Y')}.",
            )
        clash = _overlapping(session, others)
        if clash is not None:
            add(
                "starts_at",
                f"This overlaps “{clash.title}” ({_when(clash)})"
                f"{' for ' + clash.cohort.name if clash.cohort_id else ''}.",
            )

    if session.part == Part.CLOSING and session.cancelled_at is None:
        closing = _others(session, others)
        count = 1 + sum(1 for s in closing if s.part == Part.CLOSING and s.cancelled_at is None)
        if count > CLOSING_DAY_SESSIONS:
            add(
                "part",
                f"The closing day has {CLOSING_DAY_SESSIONS} sessions; this would make {count}.",
            )
    return errors


def closing_day_warning(edition, sessions) -> str:
    """A warning while the closing day has other than five sessions (built one by one)."""
    count = sum(1 for s in sessions if s.part == Part.CLOSING and s.cancelled_at is None)
    if count == CLOSING_DAY_SESSIONS:
        return ""
    return (
        f"The closing day has {count} session{'' if count == 1 else 's'}; "
        f"it should have {CLOSING_DAY_SESSIONS}."
    )


def _others(session, others):
    if others is None:
        others = (
            Session.objects.filter(edition_id=session.edition_id)
            .select_related("cohort")
            .exclude(pk=session.pk)
        )
    return [s for s in others if s is not session and (s.pk is None or s.pk != session.pk)]


def _overlapping(session, others):
    for other in _others(session, others):
        if other.starts_at is None or other.cancelled_at is not None:
            continue
        same_people = (
            session.cohort_id is None
            or other.cohort_id is None
            or other.cohort_id == session.cohort_id
        )
        if same_people and other.starts_at < session.ends_at and session.starts_at < other.ends_at:
            return other
    return None


def _when(session) -> str:
    starts, ends = local(session.starts_at), local(session.ends_at)
    return f"{date_format(starts, 'j F')}, {starts:%H:%M}–{ends:%H:%M}"
