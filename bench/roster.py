"""Throughput of a facilitator's roster page for a 20-person cohort (`make bench`).

No goal is set: the bench prints requests per second, milliseconds per request and the page's
query count. It seeds a bench edition (in a past year, its application window clashing with no
other), a cohort of 20 participants and their facilitator, times GET /facilitate/<id>/ through
the in-process test client with DEBUG off, and deletes everything it made. Everything is marked:
users are bench-roster-<n>@bench.invalid, the edition is named EDITION_NAME.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings

from applications.enums import ConfirmedWeekend, OfferStatus
from applications.models import Application
from cohorts.models import Cohort, Participant
from panitch.enums import Role
from panitch.models import Edition, User
from panitch.services import user_grant_role

from .support import BENCH_DOMAIN, BenchError, interrupts_raise, save_bench_edition, uninterrupted

LONDON = ZoneInfo("Europe/London")
EDITION_NAME = "Roster benchmark (temporary)"
CONTACT_EMAIL = f"bench-roster{BENCH_DOMAIN}"
USER_PREFIX = "bench-roster-"
SIZE = 20


def _users():
    return User.objects.filter(email__startswith=USER_PREFIX, email__endswith=BENCH_DOMAIN)


def cleanup() -> None:
    with transaction.atomic():
        editions = Edition.objects.filter(name=EDITION_NAME, contact_email=CONTACT_EMAIL)
        Participant.objects.filter(edition__in=editions).delete()
        Cohort.objects.filter(edition__in=editions).delete()
        Application.objects.filter(edition__in=editions).delete()
        editions.delete()
        _users().delete()


@dataclass
class Seeded:
    cohort: Cohort
    facilitator: User


def seed(*, size: int = SIZE) -> Seeded:
    year = 2000
    taken = set(Edition.objects.values_list("year", flat=True))
    while year in taken:
        year += 1
    day = dt.datetime(year, 1, 10, 9, tzinfo=LONDON)
    edition = save_bench_edition(
        name=EDITION_NAME,
        contact_email=CONTACT_EMAIL,
        year_below=year + 1,
        opens=day,
        closes=day + dt.timedelta(days=10),
        reference_deadline=day + dt.timedelta(days=17),
        decisions_release_at=day + dt.timedelta(days=24),
        offer_response_deadline=day + dt.timedelta(days=31),
        weekend_a_starts_on=(day + dt.timedelta(days=60)).date(),
        closing_day=(day + dt.timedelta(days=200)).date(),
    )
    password = make_password(None)
    facilitator = User.objects.create(
        email=f"{USER_PREFIX}facilitator{BENCH_DOMAIN}", first_name="Bench", password=password
    )
    user_grant_role(user=facilitator, role=Role.FACILITATOR)
    cohort = Cohort.objects.create(
        edition=edition, name="Bench", weekend="a", venue_city="London", capacity=size
    )
    cohort.facilitators.add(facilitator)
    people = User.objects.bulk_create(
        [
            User(
                email=f"{USER_PREFIX}{n}{BENCH_DOMAIN}",
                first_name=f"Person{n}",
                last_name="Bench",
                password=password,
            )
            for n in range(size)
        ]
    )
    applications = Application.objects.bulk_create(
        [
            Application(
                edition=edition,
                applicant=person,
                status="submitted",
                pronouns="they/them",
                phone="07700 900000",
                local_group="Bench Momentum",
                clp="Bench Central",
                trade_union="Unite",
                project_title="A bench project",
                access_requirements="Step-free access",
                decision="accepted",
                offer_status=OfferStatus.CONFIRMED,
                confirmed_weekend=ConfirmedWeekend.BOTH,
            )
            for person in people
        ]
    )
    Participant.objects.bulk_create(
        [
            Participant(
                edition=edition,
                person=application.applicant,
                application=application,
                cohort=cohort,
                dietary_needs="Vegetarian",
            )
            for application in applications
        ]
    )
    return Seeded(cohort=cohort, facilitator=facilitator)


@dataclass
class Result:
    requests: int
    seconds: float
    queries: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def ms(self) -> float:
        return self.seconds / self.requests * 1000


def measure(client: Client, url: str, *, requests: int, warmup: int) -> Result:
    for _ in range(warmup):
        client.get(url)
    # Counted with an execute wrapper: the query log is emptied as each request starts.
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    if response.status_code != 200:
        raise BenchError(f"{url} answered {response.status_code}.")
    started = time.perf_counter()
    for _ in range(requests):
        client.get(url)
    return Result(requests=requests, seconds=time.perf_counter() - started, queries=len(executed))


def run(*, requests: int, warmup: int, write: Callable[[str], None] = print) -> Result:
    client = Client()
    with interrupts_raise(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "No directory at", UserWarning)
        try:
            cleanup()
            seeded = seed()
            url = f"/facilitate/{seeded.cohort.pk}/"
            with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
                client.force_login(seeded.facilitator)
                result = measure(client, url, requests=requests, warmup=warmup)
            write(
                f"Roster page, {SIZE}-person cohort ({connection.vendor}): "
                f"{result.per_second:.0f} requests/s, {result.ms:.1f} ms per request, "
                f"{result.queries} queries per request ({requests} timed GETs after {warmup} "
                "warm-up; DEBUG off; in-process test client; no goal set)."
            )
            return result
        finally:
            with uninterrupted():
                with contextlib.suppress(Exception):
                    client.logout()
                cleanup()
