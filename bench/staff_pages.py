"""Staff pages at scale (`manage.py bench_staff`, part of `make bench`).

Seeds an edition of the bench's own with N submitted applications (20,000 by default), two
referees each and most references in, plus a programme admin; then, signed in as that admin
and in this process (Django's test client, DEBUG off), times the admin's application list
unfiltered, filtered by the edition and searched by name, and the selection dashboard of the
edition. It prints each median beside its goal with the page's query count, and deletes
everything it seeded. PostgreSQL only: that is where the goals are set.

Everything the bench creates is marked: users are bench-staff-<n>@bench.invalid (a reserved
domain), the edition is named EDITION_NAME with contact EDITION_CONTACT. A run starts by
deleting what an interrupted one left. The edition's applications closed in the past and its
release is a month away, so beat never releases it.
"""

from __future__ import annotations

import datetime as dt
import gc
import secrets
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from applications.enums import Region, WeekendChoice
from applications.models import Application, Referee, Reference
from panitch.enums import Role
from panitch.models import Edition, User
from panitch.services import user_grant_role

from .support import (
    BENCH_DOMAIN,
    BenchError,
    closed_bench_edition,
    interrupts_raise,
    uninterrupted,
)

DEFAULT_APPLICATIONS = 20_000
DEFAULT_REQUESTS = 15
USER_PREFIX = "bench-staff-"
EDITION_NAME = "Staff pages benchmark (temporary)"
EDITION_CONTACT = f"bench-staff{BENCH_DOMAIN}"
ADMIN_EMAIL = f"{USER_PREFIX}admin{BENCH_DOMAIN}"
BATCH = 2000
CHANGELIST = "/admin/applications/application/"
# (what, goal in ms, the path given the edition's pk)
PAGES = [
    ("application list", 120.0, lambda pk: CHANGELIST),
    ("application list, by edition", 120.0, lambda pk: f"{CHANGELIST}?edition__id__exact={pk}"),
    ("application list, searched by name", 120.0, lambda pk: f"{CHANGELIST}?q=Bench1234+Applicant"),
    ("selection dashboard", 60.0, lambda pk: f"/staff/selection/{pk}/"),
]


def bench_email(n: int) -> str:
    return f"{USER_PREFIX}{n}{BENCH_DOMAIN}"


def check_database() -> None:
    if connection.vendor != "postgresql":
        raise BenchError(
            "bench_staff needs PostgreSQL (the goals are set there), not "
            f"{connection.vendor}: set DATABASE_URL, e.g. "
            "postgres://postgres@127.0.0.1:5432/panitch_bench."
        )


def _bench_users():
    return User.objects.filter(email__startswith=USER_PREFIX, email__endswith=BENCH_DOMAIN)


def _bench_editions():
    return Edition.objects.filter(name=EDITION_NAME, contact_email=EDITION_CONTACT)


def cleanup() -> int:
    """Delete every row a run makes (this one's or an interrupted one's); how many users."""
    with transaction.atomic():
        Application.objects.filter(edition__in=_bench_editions()).delete()
        Application.objects.filter(applicant__in=_bench_users()).delete()
        count, _ = _bench_users().delete()
        _bench_editions().delete()
    _vacuum()
    return count


def _vacuum(*, analyze: bool = False) -> None:
    if connection.in_atomic_block:
        return
    tables = ", ".join(
        connection.ops.quote_name(model._meta.db_table)
        for model in (Reference, Referee, Application, User)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {'(ANALYZE) ' if analyze else ''}{tables}")


def _make_edition(now: dt.datetime) -> Edition:
    return closed_bench_edition(
        now=now, name=EDITION_NAME, contact_email=EDITION_CONTACT, earliest_days_ago=40
    )


@dataclass
class Seeded:
    edition: Edition
    admin: User
    applications: int


def seed(*, applications: int) -> Seeded:
    now = timezone.now()
    password = make_password(None)
    regions, weekends = Region.values, [WeekendChoice.A, WeekendChoice.B, WeekendChoice.BOTH]
    with transaction.atomic():
        edition = _make_edition(now)
        admin = User.objects.create_user(email=ADMIN_EMAIL, password=None, first_name="Bench")
        user_grant_role(user=admin, role=Role.PROGRAMME_ADMIN)
        User.objects.bulk_create(
            [
                User(
                    email=bench_email(n),
                    first_name=f"Bench{n}",
                    last_name="Applicant",
                    password=password,
                )
                for n in range(applications)
            ],
            batch_size=BATCH,
        )
        users = dict(
            _bench_users().exclude(email=ADMIN_EMAIL).values_list("email", "pk").iterator()
        )
        Application.objects.bulk_create(
            (
                Application(
                    edition=edition,
                    applicant_id=users[bench_email(n)],
                    status="submitted",
                    submitted_at=edition.applications_open_at + dt.timedelta(milliseconds=n),
                    is_member=True,
                    region=regions[n % len(regions)],
                    weekend_choice=weekends[n % 3],
                    consent_special_category=True,
                    project_title="Harehills renters' political education series",
                )
                for n in range(applications)
            ),
            batch_size=BATCH,
        )
        ids = list(Application.objects.filter(edition=edition).values_list("pk", flat=True))
        Referee.objects.bulk_create(
            (
                Referee(
                    application_id=pk,
                    position=position,
                    name="Bench Referee",
                    email=f"{USER_PREFIX}referee-{pk}-{position}{BENCH_DOMAIN}",
                    organisation="Bench",
                    relationship="Bench",
                    known_for="a year",
                    token=secrets.token_urlsafe(24),
                    requested_at=now,
                )
                for pk in ids
                for position in (1, 2)
            ),
            batch_size=BATCH,
        )
        # Three in four references in, as a week after the deadline.
        referees = Referee.objects.filter(application__edition=edition).values_list("pk", flat=True)
        Reference.objects.bulk_create(
            (
                Reference(referee_id=pk, commitment="Bench", recommendation="yes")
                for i, pk in enumerate(referees.iterator())
                if i % 4
            ),
            batch_size=BATCH,
        )
    _vacuum(analyze=True)  # fresh statistics, as for rows that have been there for weeks
    return Seeded(edition=edition, admin=admin, applications=applications)


@dataclass
class Figure:
    what: str
    goal_ms: float
    median_ms: float
    queries: int

    @property
    def met(self) -> bool:
        return self.median_ms <= self.goal_ms


class QueryCounter:
    """Counts the queries a request makes (DEBUG is off, so Django keeps no query log)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure(client: Client, *, edition: Edition, requests: int) -> list[Figure]:
    figures = []
    for what, goal, path_for in PAGES:
        path = path_for(edition.pk)
        queries = QueryCounter()
        with connection.execute_wrapper(queries):
            response = client.get(path, secure=True)
        if response.status_code != 200:
            raise BenchError(f"GET {path} answered {response.status_code}, not 200.")
        for _ in range(2):
            client.get(path, secure=True)  # warm up
        times = []
        for _ in range(requests):
            gc.collect(1)
            start = time.perf_counter()
            client.get(path, secure=True)
            times.append(time.perf_counter() - start)
        figures.append(Figure(what, goal, 1000 * statistics.median(times), queries.count))
    return figures


def report(figures: list[Figure], *, seeded: Seeded, requests: int) -> str:
    lines = [
        f"Staff pages: {seeded.applications} submitted applications (two referees each) in "
        f"one edition, signed in as a programme admin; median of {requests} requests.",
    ]
    for figure in figures:
        verdict = "met" if figure.met else "NOT MET"
        lines.append(
            f"  {figure.what:<40} {figure.median_ms:7.1f} ms  (goal <= {figure.goal_ms:.0f} ms, "
            f"{verdict})  {figure.queries} queries"
        )
    return "\n".join(lines)


def run(
    *, applications: int, requests: int, keep: bool = False, write: Callable[[str], None]
) -> list[Figure]:
    check_database()
    with interrupts_raise():
        try:
            left = cleanup()
            if left:
                write(f"Deleted {left} users an interrupted run left behind.")
            started = time.perf_counter()
            seeded = seed(applications=applications)
            write(f"Seeded in {time.perf_counter() - started:.1f} s.")
            client = Client()
            with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
                client.force_login(seeded.admin)
                figures = measure(client, edition=seeded.edition, requests=requests)
            write(report(figures, seeded=seeded, requests=requests))
            return figures
        finally:
            if not keep:
                with uninterrupted():
                    cleanup()
