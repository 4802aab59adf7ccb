"""Calendar files (.ics) for events people add to their own calendars."""

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
from django.utils import timezone

LONDON = ZoneInfo("Europe/London")


def event_ics(
    *,
    uid: str,
    summary: str,
    starts: dt.datetime,
    ends: dt.datetime,
    description: str = "",
    location: str = "",
    url: str = "",
) -> bytes:
    """One event in Europe/London time, with the zone's VTIMEZONE so every calendar agrees."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Panitch//Leadership Programme//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", timezone.now())
    event.add("summary", summary)
    event.add("dtstart", starts.astimezone(LONDON))
    event.add("dtend", ends.astimezone(LONDON))
    if description:
        event.add("description", description)
    if location:
        event.add("location", location)
    if url:
        event.add("url", url)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
