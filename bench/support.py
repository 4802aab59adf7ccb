"""What the two benchmarks (`bench`, `bench_release`) share: their mark on what they create,
a free edition year, and clean-up that survives Ctrl-C and SIGTERM."""

from __future__ import annotations

import contextlib
import datetime as dt
import signal
import threading
from collections.abc import Iterator

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
