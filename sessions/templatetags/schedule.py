"""How a session's time reads, the same on every page: "to be confirmed" is a state, not a
blank."""

from django import template
from django.utils.formats import date_format

from sessions.validation import local

register = template.Library()

TBC = "To be confirmed"


@register.filter
def when(session) -> str:
    if session.starts_at is None:
        return TBC
    starts, ends = local(session.starts_at), local(session.ends_at)
    day = date_format(starts, "l j F Y")
    if starts.date() != ends.date():
        return f"{day}, {starts:%H:%M} to {date_format(ends, 'l j F')}, {ends:%H:%M}"
    return f"{day}, {starts:%H:%M}–{ends:%H:%M}"


@register.filter
def clock(moment) -> str:
    """A moment as London wall-clock time and day, e.g. "18:00 on Wednesday 15 September"."""
    moment = local(moment)
    return f"{moment:%H:%M} on {date_format(moment, 'l j F')}"
