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
def _london(first_year: int, last_year: int) -> bytes:
    # Building the zone's transitions is the slow part of a feed; the same years give the
    # same component, so it is built once per process.
    return icalendar.Timezone.from_tzid(
        "Europe/London",
        first_date=dt.date(first_year, 1, 1),
        last_date=dt.date(last_year + 1, 1, 1),
    ).to_ical()


def _event_values(session: Session, *, with_joining_link: bool) -> tuple:
    """Everything a session's VEVENT shows, as a hashable key for the event cache.

    The joining link goes in only where the reader may have it (reminder emails); feeds point
    to the schedule page, which shows it at the right time."""
    schedule_url = f"{settings.PANITCH_BASE_URL}/schedule/"
    lines = [session.description.strip()] if session.description.strip() else []
    url = schedule_url
    if with_joining_link and session.format == Format.ONLINE and session.joining_url:
        lines.append(f"Joining link: {session.joining_url}")
        url = session.joining_url
    lines.append(f"Details: {schedule_url}")
    stamp = (session.updated_at or timezone.now()).astimezone(dt.UTC).replace(microsecond=0)
    return (
        session_uid(session),
        stamp,
        session.sequence,
        timezone.localtime(session.starts_at, LONDON),
        timezone.localtime(session.ends_at, LONDON),
        session.title,
        "\n\n".join(lines),
        url,
        session_place(session),
        "CANCELLED" if session.cancelled_at else "CONFIRMED",
    )


@lru_cache(maxsize=8192)
def _event_ical(values: tuple) -> bytes:
    # A feed is asked for often and changes rarely: each event is serialised once per
    # process for as long as nothing it shows changes (the values are the cache key).
    uid, stamp, sequence, starts, ends, title, description, url, place, status = values
    event = icalendar.Event()
    event.add("uid", uid)
    # DTSTAMP and LAST-MODIFIED: when the session last changed, so the same session gives
    # the same bytes on every request.
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("sequence", sequence)
    event.add("dtstart", starts)
    event.add("dtend", ends)
    event.add("summary", title)
    event.add("description", description)
    event.add("url", url)
    if place:
        event.add("location", place)
    event.add("status", status)
    event.add("transp", "OPAQUE")
    return event.to_ical()


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
    # The calendar's own lines, then the cached VTIMEZONE and VEVENTs, each made by icalendar.
    head = calendar.to_ical()
    end = b"END:VCALENDAR\r\n"
    parts = [head[: -len(end)]]
    if dated:
        years = [session.starts_at.astimezone(LONDON).year for session in dated]
        parts.append(_london(min(years), max(years)))
    parts += [
        _event_ical(_event_values(session, with_joining_link=with_joining_link))
        for session in dated
    ]
    parts.append(end)
    return b"".join(parts).decode()


def ics_attachment(sessions: Iterable[Session], *, name: str) -> dict:
    """An outbox attachment holding these sessions, joining links included."""
    return {
        "filename": "session.ics",
        "mimetype": "text/calendar; method=PUBLISH",
        "content": calendar_ics(sessions, name=name, with_joining_link=True),
    }
