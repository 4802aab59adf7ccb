"""What the benchmarks share: their mark on what they create, a free edition year, a closed
edition to seed, and clean-up that survives Ctrl-C and SIGTERM."""

from __future__ import annotations

import contextlib
import datetime as dt
import signal
import threading
from collections.abc import Iterator

from django.utils import timezone

from panitch.models import Edition

# A reserved domain: no email to a bench user can ever reach anyone.
BENCH_DOMAIN = "@bench.invalid"


class BenchError(Exception):
    pass


def free_year(*, below: int) -> int:
    """The latest edition year under `below` that no edition has."""
    taken = set(Edition.objects.values_list("year", flat=True))
    for year in range(below - 1, 1999, -1):
        if year not in taken:
            return year
    raise BenchError("No free edition year for the bench edition.")


def save_bench_edition(
    *,
    name: str,
    contact_email: str,
    year_below: int,
    opens: dt.datetime,
    closes: dt.datetime,
    reference_deadline: dt.datetime,
    decisions_release_at: dt.datetime,
    offer_response_deadline: dt.datetime,
    weekend_a_starts_on: dt.date,
    closing_day: dt.date,
) -> Edition:
    """A validated bench edition: weekend A in London, weekend B in Leeds two weeks later."""
    edition = Edition(
        name=name,
        year=free_year(below=year_below),
        applications_open_at=opens,
        applications_close_at=closes,
        reference_deadline=reference_deadline,
        decisions_release_at=decisions_release_at,
        offer_response_deadline=offer_response_deadline,
        weekend_a_starts_on=weekend_a_starts_on,
        weekend_a_ends_on=weekend_a_starts_on + dt.timedelta(days=1),
        weekend_a_city="London",
        weekend_b_starts_on=weekend_a_starts_on + dt.timedelta(days=14),
        weekend_b_ends_on=weekend_a_starts_on + dt.timedelta(days=15),
        weekend_b_city="Leeds",
        closing_day=closing_day,
        contact_name="Bench",
        contact_email=contact_email,
    )
    edition.full_clean()
    edition.save()
    return edition


@contextlib.contextmanager
def interrupts_raise() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt as Ctrl-C does, so the clean-up still runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """Let the clean-up finish even if Ctrl-C is pressed again."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def closed_bench_edition(
    *, now: dt.datetime, name: str, contact_email: str, earliest_days_ago: int
) -> Edition:
    """An edition whose applications closed in a one-hour window at least `earliest_days_ago`
    days back that clashes with no other edition's; its reference deadline has passed, its
    release and offer deadline are in the future, so beat never releases it on its own."""
    for days in range(earliest_days_ago, 3650):
        opens = now - dt.timedelta(days=days)
        closes = opens + dt.timedelta(hours=1)
        if not Edition.objects.filter(
            applications_open_at__lt=closes, applications_close_at__gt=opens
        ).exists():
            break
    else:
        raise BenchError("No free past window for the bench edition's applications.")
    release = now + dt.timedelta(days=30)
    day = timezone.localdate(release)
    return save_bench_edition(
        name=name,
        contact_email=contact_email,
        year_below=2099,
        opens=opens,
        closes=closes,
        reference_deadline=closes + dt.timedelta(minutes=30),
        decisions_release_at=release,
        offer_response_deadline=release + dt.timedelta(days=14),
        weekend_a_starts_on=day + dt.timedelta(days=30),
        closing_day=day + dt.timedelta(days=150),
    )
