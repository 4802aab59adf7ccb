"""iCalendar for sessions: one event per session, in a feed or attached to an email.

Made with `icalendar`. Each event's UID is stable (session-<pk>@<site host>), SEQUENCE is the
session's own counter, a cancelled session stays in as STATUS:CANCELLED so calendar apps
remove it, and times carry Europe/London with a VTIMEZONE covering the events' years.
"""

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone

from .enums import Format
from .models import Session

LONDON = ZoneInfo("Europe/London")
PRODID = "-//Panitch//Schedule//EN"


def site_host() -> str:
    return urlsplit(settings.PANITCH_BASE_URL).hostname or "panitch.invalid"


def session_uid(session: Session) -> str:
    return f"session-{session.pk}@{site_host()}"


def session_place(session: Session) -> str:
    """Where a session happens, in words: the cohort's venue, or online."""
    if session.format == Format.ONLINE:
        return "Online"
    cohort = session.cohort
    if cohort is None:
        return ""
    parts = [cohort.venue_name, " ".join(cohort.venue_address.split()), cohort.venue_city]
    return ", ".join(part for part in parts if part)


@lru_cache(maxsize=16)
def _london(first_year: int, last_year: int) -> icalendar.Timezone:
    # Building the zone's transitions is the slow part of a feed; the same years give the
    # same component, so it is built once per process.
    return icalendar.Timezone.from_tzid(
        "Europe/London",
        first_date=dt.date(first_year, 1, 1),
        last_date=dt.date(last_year + 1, 1, 1),
    )


def session_event(
    session: Session, *, stamp: dt.datetime, with_joining_link: bool
) -> icalendar.Event:
    """The session as a VEVENT. The joining link goes in only where the reader may have it
    (reminder emails); feeds point to the schedule page, which shows it at the right time."""
    event = icalendar.Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", stamp)
    event.add("last-modified", session.updated_at or stamp)
    event.add("sequence", session.sequence)
    event.add("dtstart", timezone.localtime(session.starts_at, LONDON))
    event.add("dtend", timezone.localtime(session.ends_at, LONDON))
    event.add("summary", session.title)
    schedule_url = f"{settings.PANITCH_BASE_URL}/schedule/"
    lines = [session.description.strip()] if session.description.strip() else []
    if with_joining_link and session.format == Format.ONLINE and session.joining_url:
        lines.append(f"Joining link: {session.joining_url}")
        event.add("url", session.joining_url)
    else:
        event.add("url", schedule_url)
    lines.append(f"Details: {schedule_url}")
    event.add("description", "\n\n".join(lines))
    place = session_place(session)
    if place:
        event.add("location", place)
    event.add("status", "CANCELLED" if session.cancelled_at else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def calendar_ics(sessions: Iterable[Session], *, name: str, with_joining_link: bool = False) -> str:
    """A VCALENDAR (METHOD:PUBLISH) of the dated sessions given; TBC sessions are left out."""
    dated = [session for session in sessions if session.starts_at is not None]
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # PUBLISH, not REQUEST: the programme has no RSVP; the same UID with a higher SEQUENCE
    # updates the copy a calendar app already holds.
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/London")
    if dated:
        years = [session.starts_at.astimezone(LONDON).year for session in dated]
        calendar.add_component(_london(min(years), max(years)))
    stamp = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    for session in dated:
        calendar.add_component(
            session_event(session, stamp=stamp, with_joining_link=with_joining_link)
        )
    return calendar.to_ical().decode()


def ics_attachment(sessions: Iterable[Session], *, name: str) -> dict:
    """An outbox attachment holding these sessions, joining links included."""
    return {
        "filename": "session.ics",
        "mimetype": "text/calendar; method=PUBLISH",
        "content": calendar_ics(sessions, name=name, with_joining_link=True),
    }
