"""The reminder sweep and a person's calendar feed, timed (`manage.py bench_reminders`).

Seeds an edition of its own (50 cohorts, each with 14 sessions of its own and the edition's 5
shared closing-day sessions: 19 each) at two sizes, runs beat's reminder sweep at a moment
when every cohort has an online session two hours away, another two days away, and half the
cohorts their weekend a week away, and prints the time and queries to find and queue what is
due (goal < 2 s; queries the same at both sizes). Then times a participant's feed against the
site's plain signed-in page (the home page) in the same run (goal: at least half its
throughput). Everything seeded is deleted at the end, also after Ctrl-C.

Queued rows are not handed to the broker: a worker would only send them to bench addresses,
and the sweep's job ends once the rows are written.
"""

from __future__ import annotations

import datetime as dt
import gc
import time
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.enums import ApplicationStatus, ConfirmedWeekend, Decision, OfferStatus
from applications.models import Application
from cohorts.enums import Weekend
from cohorts.models import Cohort, Participant
from panitch import outbox
from panitch.models import Edition, OutboxEmail, User
from sessions import calendar_feeds
from sessions.enums import Format, Part, Strand
from sessions.models import CalendarFeed, Session
from sessions.reminders import reminders_send_due

from .support import BENCH_DOMAIN, BenchError, interrupts_raise, save_bench_edition, uninterrupted

EDITION_NAME = "Bench reminders"
CONTACT_EMAIL = f"bench-reminders{BENCH_DOMAIN}"
PREFIX = "remind-"
COHORTS = 50
SIZES = (500, 1000)
SWEEP_GOAL_SECONDS = 2.0
FEED_GOAL_RATIO = 0.5  # the feed's throughput over the plain page's
LONDON = timezone.get_default_timezone()

__all__ = ["BenchError", "run"]


def _email(kind: str, n: int) -> str:
    return f"{PREFIX}{kind}-{n}{BENCH_DOMAIN}"


def _users():
    return User.objects.filter(email__startswith=PREFIX, email__endswith=BENCH_DOMAIN)


def cleanup() -> list[str]:
    """Delete every row a run makes (this one's, or an interrupted run's)."""
    warnings_ = []
    with transaction.atomic():
        users = _users()
        OutboxEmail.objects.filter(to__startswith=PREFIX, to__endswith=BENCH_DOMAIN).delete()
        CalendarFeed.objects.filter(owner__in=users).delete()
        editions = Edition.objects.filter(name=EDITION_NAME, contact_email=CONTACT_EMAIL)
        Session.objects.filter(edition__in=editions).delete()
        Participant.objects.filter(edition__in=editions).delete()
        Cohort.objects.filter(edition__in=editions).delete()
        Application.objects.filter(applicant__in=users).delete()
        users.delete()
    for edition in Edition.objects.filter(name=EDITION_NAME, contact_email=CONTACT_EMAIL):
        try:
            edition.delete()
        except ProtectedError:
            warnings_.append(f"Kept the bench edition {edition.year}: others' rows refer to it.")
    return warnings_


@dataclass
class Seeded:
    edition: Edition
    at: dt.datetime
    participant: User
    participants: int
    sessions: int


def seed(*, participants: int, at: dt.datetime, cohorts: int = COHORTS) -> Seeded:
    """The edition, its cohorts and sessions, `participants` people spread over the cohorts
    and a facilitator for each cohort."""
    local = timezone.localtime(at, LONDON)
    weekend_start = (local + dt.timedelta(days=7)).replace(second=0, microsecond=0)
    edition = save_bench_edition(
        name=EDITION_NAME,
        contact_email=CONTACT_EMAIL,
        year_below=2100,
        opens=at - dt.timedelta(days=1000),
        closes=at - dt.timedelta(days=990),
        reference_deadline=at - dt.timedelta(days=985),
        decisions_release_at=at - dt.timedelta(days=980),
        offer_response_deadline=at - dt.timedelta(days=970),
        weekend_a_starts_on=weekend_start.date(),
        closing_day=(local + dt.timedelta(days=100)).date(),
    )
    password = make_password(None)
    count = cohorts
    with transaction.atomic():
        User.objects.bulk_create(
            [
                User(email=_email("p", n), first_name=f"P{n}", password=password)
                for n in range(participants)
            ]
            + [
                User(email=_email("f", n), first_name=f"F{n}", password=password)
                for n in range(count)
            ],
            batch_size=1000,
        )
        users = dict(_users().values_list("email", "pk"))
        cohorts = Cohort.objects.bulk_create(
            [
                Cohort(
                    edition=edition,
                    name=f"Cohort {c:02}",
                    weekend=Weekend.A if c % 2 == 0 else Weekend.B,
                    venue_city="London" if c % 2 == 0 else "Leeds",
                    venue_name="Community hall",
                    venue_address="1 High Street",
                )
                for c in range(count)
            ]
        )
        Cohort.facilitators.through.objects.bulk_create(
            [
                Cohort.facilitators.through(cohort_id=cohort.pk, user_id=users[_email("f", c)])
                for c, cohort in enumerate(cohorts)
            ]
        )
        Application.objects.bulk_create(
            [
                Application(
                    edition=edition,
                    applicant_id=users[_email("p", n)],
                    status=ApplicationStatus.SUBMITTED,
                    submitted_at=at - dt.timedelta(days=995),
                    is_member=True,
                    consent_special_category=True,
                    decision=Decision.ACCEPTED,
                    decided_at=at - dt.timedelta(days=982),
                    offer_status=OfferStatus.CONFIRMED,
                    confirmed_weekend=ConfirmedWeekend.BOTH,
                )
                for n in range(participants)
            ],
            batch_size=1000,
        )
        applications = dict(
            Application.objects.filter(edition=edition).values_list("applicant_id", "pk")
        )
        Participant.objects.bulk_create(
            [
                Participant(
                    edition=edition,
                    person_id=users[_email("p", n)],
                    application_id=applications[users[_email("p", n)]],
                    cohort=cohorts[n % count],
                    joined_at=at - dt.timedelta(days=960),
                )
                for n in range(participants)
            ],
            batch_size=1000,
        )
        sessions = []
        for c, cohort in enumerate(cohorts):
            # Weekend A cohorts meet a week from now; weekend B two weeks later.
            first = weekend_start + dt.timedelta(days=0 if c % 2 == 0 else 14)
            for n in range(10):
                day, slot = divmod(n, 5)
                starts = first + dt.timedelta(days=day, hours=slot * 1.5)
                sessions.append(_session(edition, cohort, Part.WEEKEND, n, starts))
            # Online: one in two hours, one in two days, two later in the autumn.
            for n, lead in enumerate(
                [dt.timedelta(hours=2), dt.timedelta(days=2), dt.timedelta(days=30), None]
            ):
                starts = local.replace(second=0, microsecond=0) + lead if lead else None
                sessions.append(_session(edition, cohort, Part.ONLINE, 10 + n, starts))
        closing = dt.datetime.combine(edition.closing_day, dt.time(10), tzinfo=LONDON)
        for n in range(5):
            starts = closing + dt.timedelta(hours=n * 1.5)
            sessions.append(_session(edition, None, Part.CLOSING, 14 + n, starts))
        Session.objects.bulk_create(sessions, batch_size=1000)
    return Seeded(
        edition=edition,
        at=at,
        participant=User.objects.get(email=_email("p", 0)),
        participants=participants,
        sessions=len(sessions),
    )


def _session(edition, cohort, part, position, starts):
    online = part != Part.WEEKEND
    return Session(
        edition=edition,
        cohort=cohort,
        position=position + 1,
        part=part,
        strand=[Strand.POLITICAL, Strand.ORGANISING, Strand.STRATEGIC][position % 3],
        title=f"Session {position + 1}",
        description="What the session covers, in a sentence or two.",
        format=Format.ONLINE if online else Format.IN_PERSON,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2 if online else 1, minutes=0 if online else 30)
        if starts
        else None,
        joining_url="https://meet.example.org/bench" if online else "",
    )


@dataclass
class Sweep:
    participants: int
    queued: int
    seconds: float
    queries: int
    find_queries: int  # before the rows are handed to outbox.queue_many
    again_queued: int
    again_seconds: float
    again_queries: int


@contextmanager
def _no_broker():
    with mock.patch.object(outbox, "enqueue", lambda *, email_ids: None):
        yield


def sweep(seeded: Seeded) -> Sweep:
    gc.collect()
    found = []
    queue_many = outbox.queue_many

    def counted(emails, **kwargs):
        found.append(len(queries))
        return queue_many(emails, **kwargs)

    with _no_broker(), mock.patch.object(outbox, "queue_many", counted):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            queued = reminders_send_due(at=seeded.at)
            seconds = time.perf_counter() - started
        # Beat fires again: everything due is queued already.
        with CaptureQueriesContext(connection) as again_queries:
            started = time.perf_counter()
            again = reminders_send_due(at=seeded.at)
            again_seconds = time.perf_counter() - started
    return Sweep(
        seeded.participants,
        queued,
        seconds,
        len(queries),
        found[0] if found else len(queries),
        again,
        again_seconds,
        len(again_queries),
    )


@dataclass
class FeedTiming:
    feed_rate: float
    page_rate: float
    feed_queries: int
    page_queries: int
    events: int

    @property
    def ratio(self) -> float:
        return self.feed_rate / self.page_rate if self.page_rate else 0.0


def _timed(client: Client, path: str, n: int) -> float:
    gc.collect(1)
    gc.disable()
    try:
        started = time.perf_counter()
        for _ in range(n):
            if client.get(path, secure=True).status_code != 200:
                raise BenchError(f"GET {path} did not answer 200.")
        return time.perf_counter() - started
    finally:
        gc.enable()


def feed_vs_page(seeded: Seeded, *, requests: int, rounds: int) -> FeedTiming:
    feed = calendar_feeds.feed_regenerate(owner=seeded.participant)
    feed_path = calendar_feeds.feed_path(feed)
    client = Client()
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        client.force_login(seeded.participant)
        paths = {"feed": feed_path, "page": "/"}
        counts = {}
        for name, path in paths.items():
            for _ in range(10):
                client.get(path, secure=True)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path, secure=True)
            counts[name] = len(queries)
            if name == "feed":
                events = response.content.count(b"BEGIN:VEVENT")
        seconds = {"feed": 0.0, "page": 0.0}
        per_round = max(1, requests // rounds)
        for number in range(rounds):
            order = ["feed", "page"] if number % 2 == 0 else ["page", "feed"]
            for name in order:
                seconds[name] += _timed(client, paths[name], per_round)
    total = per_round * rounds
    return FeedTiming(
        feed_rate=total / seconds["feed"],
        page_rate=total / seconds["page"],
        feed_queries=counts["feed"],
        page_queries=counts["page"],
        events=events,
    )


def _ok(good: bool) -> str:
    return "ok" if good else "MISSED"


def run(
    *,
    requests: int = 300,
    rounds: int = 10,
    sizes: tuple[int, ...] = SIZES,
    cohorts: int = COHORTS,
    write: Callable[[str], None] = print,
) -> tuple[list[Sweep], FeedTiming]:
    sweeps: list[Sweep] = []
    timing = None
    at = timezone.now()
    with interrupts_raise(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "No directory at", UserWarning)
        try:
            for warning in cleanup():
                write(warning)
            for size in sizes:
                started = time.perf_counter()
                seeded = seed(participants=size, at=at, cohorts=cohorts)
                write(
                    f"Seeded {size} participants in {cohorts} cohorts, {seeded.sessions} "
                    f"sessions (19 per cohort) in {time.perf_counter() - started:.1f}s."
                )
                sweeps.append(sweep(seeded))
                if size != sizes[-1]:
                    with uninterrupted():
                        cleanup()
            timing = feed_vs_page(seeded, requests=requests, rounds=rounds)
        finally:
            with uninterrupted():
                for warning in cleanup():
                    write(warning)
    write(report(sweeps, timing, requests=requests, cohorts=cohorts))
    return sweeps, timing


def report(sweeps: list[Sweep], timing: FeedTiming, *, requests: int, cohorts: int) -> str:
    lines = [
        "",
        f"Reminder sweep (beat's task), {cohorts} cohorts x 19 sessions, {connection.vendor}:",
        f"  {'participants':>12}  {'queued':>6}  {'seconds':>7}  {'queries':>7}  "
        f"{'finding':>7}  {'writing':>7}  goal",
    ]
    for s in sweeps:
        lines.append(
            f"  {s.participants:>12}  {s.queued:>6}  {s.seconds:>7.2f}  {s.queries:>7}  "
            f"{s.find_queries:>7}  {s.queries - s.find_queries:>7}  "
            f"< {SWEEP_GOAL_SECONDS:.0f} s: {_ok(s.seconds < SWEEP_GOAL_SECONDS)}"
        )
    for s in sweeps:
        lines.append(
            f"  fired again ({s.participants}): {s.again_queued} queued in "
            f"{s.again_seconds:.2f}s, {s.again_queries} queries"
        )
    same = len({s.find_queries for s in sweeps}) == 1
    lines.append(
        f"  queries to find what is due constant in participants: {_ok(same)} "
        f"({', '.join(str(s.find_queries) for s in sweeps)}); writing the rows is "
        "outbox.queue_many's: a few statements per 2,000 emails"
    )
    lines += [
        "",
        f"A participant's calendar feed ({timing.events} events) against the signed-in home "
        f"page, {requests} requests each:",
        f"  feed  {timing.feed_rate:7.0f} req/s  {timing.feed_queries} queries",
        f"  page  {timing.page_rate:7.0f} req/s  {timing.page_queries} queries",
        f"  feed / page throughput {timing.ratio:.2f}  goal >= {FEED_GOAL_RATIO:.2f} "
        f"(within 2x): {_ok(timing.ratio >= FEED_GOAL_RATIO)}",
    ]
    return "\n".join(lines)
