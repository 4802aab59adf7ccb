"""Throughput of the application form's step pages against a bare ceiling (`make bench`).

Three pages per step, and the three ratios between them: real/framed (the step page's own work:
goal >= 0.75), framed/bare (what every signed-in page pays: goal >= 0.85) and real/bare.

The ceiling is a page that builds the same form the same way and renders it with the same form
library (crispy-bootstrap5), in a template with no base layout, through the same test client
and middleware, and does no database work of its own. The bench seeds applications into the
configured database, signs in as a bench applicant with a part-finished draft, times both
pages for every step in interleaved rounds, prints the figures and deletes everything it made.

Everything the bench creates is marked: users are bench-<n>@bench.invalid (a reserved domain,
so no email can ever reach anyone) and its edition is named BENCH_EDITION_NAME. Run it against
a development database or a copy: while it runs, its edition (if it had to make one) is open
for applications.
"""

from __future__ import annotations

import contextlib
import cProfile
import datetime as dt
import gc
import io
import pstats
import re
import secrets
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Max, Min, ProtectedError, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import get_template
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from django.views.decorators.http import require_GET

from applications.enums import ApplicationStatus, JourneyTime, ProjectKind, Region, WeekendChoice
from applications.models import Application, EqualityMonitoring, Referee
from applications.steps import BY_SLUG, REQUIRED_SLUGS, STEPS
from panitch.models import Edition, User

from .support import (
    BENCH_DOMAIN,
    BenchError,
    interrupts_raise,
    save_bench_edition,
    uninterrupted,
)

# Goals (issue 8): the step page's own work costs at most a quarter of a framed page, and what
# every signed-in page pays (session, the person and their roles, the layout) at most 15%.
GOAL_REAL_FRAMED = 0.75
GOAL_FRAMED_BARE = 0.85
BENCH_EDITION_NAME = "Benchmark (temporary)"
BENCH_CONTACT_EMAIL = f"bench{BENCH_DOMAIN}"
BARE_TEMPLATE = "bench/bare.html"
FRAMED_TEMPLATE = "bench/framed.html"
BATCH = 500
# The bench applicant has finished every step up to and including this one.
DONE_UP_TO = "referees"


def bench_email(n: int) -> str:
    return f"bench-{n}{BENCH_DOMAIN}"


# --- The bare ceiling --------------------------------------------------------------------------


@dataclass
class BareFixture:
    """The objects the bare page builds its form from, loaded once, before timing starts."""

    application: Application
    edition: Edition
    user: User
    # The person's equality answers: the real page loads them with the application, in its
    # one query; here they are loaded once, like the rest.
    equality: EqualityMonitoring | None = None

    def form(self, step):
        extra = {"answers": self.equality} if step.slug == "equality" else {}
        return step.form_class(
            None, application=self.application, edition=self.edition, user=self.user, **extra
        )


_bare: BareFixture | None = None


@contextlib.contextmanager
def bare_fixture(fixture: BareFixture) -> Iterator[None]:
    global _bare
    _bare = fixture
    try:
        yield
    finally:
        _bare = None


@transaction.non_atomic_requests
@require_GET
def bare_step(request, slug):
    """The same form as /apply/<slug>/, built the same way, in a template with nothing else.

    No session, user, messages or context processors, and no database work: what the form is
    built from was loaded before timing started.
    """
    current = BY_SLUG.get(slug)
    if current is None or _bare is None:
        raise Http404
    form = _bare.form(current)
    html = get_template(BARE_TEMPLATE).render(
        {"form": form, "step": current, "csrf_token": get_token(request)}
    )
    return HttpResponse(html)


@transaction.non_atomic_requests
@login_required
@require_GET
def framed_step(request, slug):
    """The bare page's form in the site's layout, for the same signed-in applicant: what every
    signed-in page pays (session, the person and their roles, navigation, messages), without
    the step page's own work (loading the draft, progress, the step's wording)."""
    current = BY_SLUG.get(slug)
    if current is None or _bare is None:
        raise Http404
    form = _bare.form(current)
    return render(request, FRAMED_TEMPLATE, {"form": form, "step": current})


# --- Seeding and cleaning up -------------------------------------------------------------------


@dataclass
class Seeded:
    edition: Edition
    edition_created: bool
    applicant: User
    applications: int


def _bench_users():
    return User.objects.filter(email__endswith=BENCH_DOMAIN)


def cleanup() -> list[str]:
    """Delete every row a bench run makes (this one's, or an interrupted run's)."""
    warnings = []
    with transaction.atomic():
        users = _bench_users()
        # Referees and references go with their applications; equality answers with the user.
        Application.objects.filter(applicant__in=users).delete()
        EqualityMonitoring.objects.filter(person__in=users).delete()
        users.delete()
    for edition in Edition.objects.filter(
        name=BENCH_EDITION_NAME, contact_email=BENCH_CONTACT_EMAIL
    ):
        try:
            edition.delete()
        except ProtectedError:
            warnings.append(
                f"Kept the bench edition {edition.year} (id {edition.pk}): applications that "
                "are not the bench's were made in it while it was open."
            )
    return warnings


def open_or_create_edition(*, now: dt.datetime) -> tuple[Edition, bool]:
    """The edition open now, or a bench edition open now that clashes with no other."""
    edition = Edition.objects.open_for_applications(at=now).first()
    if edition is not None:
        return edition, False
    # Nothing is open now, so every other window is wholly before or wholly after now.
    last_close = Edition.objects.filter(applications_close_at__lte=now).aggregate(
        at=Max("applications_close_at")
    )["at"]
    next_open = Edition.objects.filter(applications_open_at__gt=now).aggregate(
        at=Min("applications_open_at")
    )["at"]
    opens = max(filter(None, [now - dt.timedelta(hours=1), last_close]))
    closes = min(filter(None, [now + dt.timedelta(days=1), next_open]))
    if closes - now < dt.timedelta(minutes=30):
        raise BenchError(
            f"An edition opens for applications at {timezone.localtime(closes):%H:%M}; "
            "run the bench after it has opened."
        )
    day = timezone.localdate(closes)
    edition = save_bench_edition(
        name=BENCH_EDITION_NAME,
        contact_email=BENCH_CONTACT_EMAIL,
        year_below=2100,
        opens=opens,
        closes=closes,
        reference_deadline=closes + dt.timedelta(days=7),
        decisions_release_at=closes + dt.timedelta(days=14),
        offer_response_deadline=closes + dt.timedelta(days=21),
        weekend_a_starts_on=day + dt.timedelta(days=40),
        closing_day=day + dt.timedelta(days=150),
    )
    return edition, True


ANSWERS = {
    "pronouns": "they/them",
    "phone": "07700 900123",
    "postcode": "LS1 4AP",
    "region": Region.YORKSHIRE,
    "is_member": True,
    "membership_reference": "bench@example.org",
    "local_group": "Leeds Momentum",
    "clp": "Leeds Central",
    "trade_union": "Unite",
    "organising_kinds": ["local-group", "tenants-union"],
    "experience": "Two years organising a tenants' union in Harehills. " * 8,
    "project_title": "Harehills renters' political education series",
    "project_kind": ProjectKind.POLITICAL_EDUCATION,
    "project_description": "Monthly sessions on housing and class for renters. " * 6,
    "project_involves": "The tenants' union and Leeds Momentum.",
    "project_success": "Thirty renters attend and five join the local group.",
    "weekend_choice": WeekendChoice.BOTH,
    "available_closing_day": True,
    "available_online_sessions": True,
    "has_device": True,
    "needs_travel_paid": True,
    "journey_time_a": JourneyTime.OVER_TWO_AND_HALF,
    "journey_time_b": JourneyTime.UNDER_ONE,
    "may_need_accommodation": False,
}


def _referees(application: Application, n: int) -> list[Referee]:
    # Never "requested": reference reminders only go to referees who were asked.
    return [
        Referee(
            application=application,
            position=position,
            name=f"Referee {position} of {n}",
            email=f"referee-{n}-{position}{BENCH_DOMAIN}",
            organisation="Secretary, Leeds Momentum",
            relationship="We organise together",
            known_for="three years",
            token=secrets.token_urlsafe(32),
        )
        for position in (1, 2)
    ]


def seed(*, applications: int, now: dt.datetime | None = None) -> Seeded:
    """An open edition, `applications` other people's applications (two in three submitted,
    the rest drafts) and the bench applicant with a draft finished up to DONE_UP_TO."""
    now = now or timezone.now()
    edition, created = open_or_create_edition(now=now)
    password = make_password(None)
    slugs = [step.slug for step in STEPS]
    done = slugs[: slugs.index(DONE_UP_TO) + 1]
    with transaction.atomic():
        User.objects.bulk_create(
            [
                User(
                    email=bench_email(n),
                    first_name="Bench",
                    last_name=f"Person {n}",
                    password=password,
                )
                for n in range(applications + 1)
            ],
            batch_size=BATCH,
        )
        users = dict(_bench_users().values_list("email", "pk"))
        rows = []
        for n in range(applications + 1):
            submitted = n > 0 and n % 3 != 0
            rows.append(
                Application(
                    edition=edition,
                    applicant_id=users[bench_email(n)],
                    status=ApplicationStatus.SUBMITTED if submitted else ApplicationStatus.DRAFT,
                    completed_steps=list(REQUIRED_SLUGS) if submitted else done[: n % 7],
                    submitted_at=now if submitted else None,
                    consent_special_category=submitted,
                    **ANSWERS,
                )
            )
        rows[0].completed_steps = done
        Application.objects.bulk_create(rows, batch_size=BATCH)
        ids = dict(
            Application.objects.filter(edition=edition, applicant__in=_bench_users()).values_list(
                "applicant_id", "pk"
            )
        )
        referees, equality = [], []
        for n in range(applications + 1):
            user_id = users[bench_email(n)]
            application = Application(pk=ids[user_id])
            if n == 0 or n % 3 != 0:
                referees.extend(_referees(application, n))
            if n % 2 or n == 0:  # the bench applicant answered too: their step shows them
                equality.append(
                    EqualityMonitoring(edition=edition, person_id=user_id, age_band="25–34")
                )
        Referee.objects.bulk_create(referees, batch_size=BATCH)
        EqualityMonitoring.objects.bulk_create(equality, batch_size=BATCH)
    applicant = User.objects.get(email=bench_email(0))
    return Seeded(
        edition=edition, edition_created=created, applicant=applicant, applications=applications
    )


# --- Measuring ---------------------------------------------------------------------------------


@dataclass
class Timing:
    requests: int = 0
    seconds: float = 0.0
    cpu: float = 0.0  # this process's CPU seconds: steadier than the clock on a busy machine
    best: float = float("inf")  # seconds per request in the fastest round

    def add(self, requests: int, seconds: float, cpu: float = 0.0) -> None:
        self.requests += requests
        self.seconds += seconds
        self.cpu += cpu
        self.best = min(self.best, seconds / requests)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def ms(self) -> float:
        return 1000 * self.seconds / self.requests if self.requests else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.requests if self.requests else 0.0


def _ratio(faster: float, slower: float) -> float:
    """Throughput of the slower page as a share of the faster's, from seconds per request."""
    return faster / slower if slower else 0.0


@dataclass
class StepResult:
    slug: str
    real: Timing = field(default_factory=Timing)
    bare: Timing = field(default_factory=Timing)
    framed: Timing = field(default_factory=Timing)
    real_queries: int = 0
    bare_queries: int = 0
    framed_queries: int = 0

    @property
    def ratio(self) -> float:
        return _ratio(self.bare.seconds, self.real.seconds)

    @property
    def framed_ratio(self) -> float:
        return _ratio(self.framed.seconds, self.real.seconds)

    @property
    def layout_ratio(self) -> float:
        return _ratio(self.bare.seconds, self.framed.seconds)


def _total(timings: list[Timing]) -> Timing:
    total = Timing(
        sum(t.requests for t in timings),
        sum(t.seconds for t in timings),
        sum(t.cpu for t in timings),
    )
    total.best = sum(t.best for t in timings)
    return total


@dataclass
class Result:
    steps: list[StepResult]

    @property
    def real(self) -> Timing:
        return _total([s.real for s in self.steps])

    @property
    def bare(self) -> Timing:
        return _total([s.bare for s in self.steps])

    @property
    def framed(self) -> Timing:
        return _total([s.framed for s in self.steps])

    @property
    def ratio(self) -> float:
        """real/bare: the whole gap."""
        return _ratio(self.bare.seconds, self.real.seconds)

    @property
    def framed_ratio(self) -> float:
        """real/framed: the step page's own work."""
        return _ratio(self.framed.seconds, self.real.seconds)

    @property
    def layout_ratio(self) -> float:
        """framed/bare: what every signed-in page pays."""
        return _ratio(self.bare.seconds, self.framed.seconds)

    def best_ratios(self) -> tuple[float, float, float]:
        """The three ratios from each page's fastest round per step (less moved by load)."""
        real, bare, framed = self.real.best, self.bare.best, self.framed.best
        return _ratio(framed, real), _ratio(bare, framed), _ratio(bare, real)

    def cpu_ratios(self) -> tuple[float, float, float]:
        """The three ratios from this process's CPU time (the database server's is not in it)."""
        real, bare, framed = self.real.cpu, self.bare.cpu, self.framed.cpu
        return _ratio(framed, real), _ratio(bare, framed), _ratio(bare, real)


def real_path(slug: str) -> str:
    return f"/apply/{slug}/"


def bare_path(slug: str) -> str:
    return f"/bench/bare/{slug}/"


def framed_path(slug: str) -> str:
    return f"/bench/framed/{slug}/"


PAGES = {"real": real_path, "bare": bare_path, "framed": framed_path}


def _get(client: Client, path: str):
    response = client.get(path, secure=True)
    if response.status_code != 200:
        raise BenchError(f"GET {path} answered {response.status_code}, not 200.")
    return response


def _timed(client: Client, path: str, n: int) -> tuple[float, float]:
    """Wall and CPU seconds for n GETs with the collector off (as timeit does), so its pauses
    fall on neither page. The young generations are emptied first: cheap, unlike a full
    collection, which measure() makes once a round."""
    gc.collect(1)
    enabled = gc.isenabled()
    gc.disable()
    try:
        get = client.get
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            if get(path, secure=True).status_code != 200:
                raise BenchError(f"GET {path} did not answer 200.")
        return time.perf_counter() - start, time.process_time() - start_cpu
    finally:
        if enabled:
            gc.enable()


NAME = re.compile(rb'name="([^"]+)"')


def check_same_fields(real: bytes, bare: bytes, slug: str) -> None:
    """Both pages carry the same form: every field on the bare page is on the real one."""
    missing = set(NAME.findall(bare)) - set(NAME.findall(real))
    if missing:
        names = ", ".join(sorted(m.decode() for m in missing))
        raise BenchError(f"The {slug} step page lacks fields the bare page has: {names}.")


def _chunks(total: int, rounds: int) -> list[int]:
    rounds = max(1, min(rounds, total))
    return [total // rounds + (1 if i < total % rounds else 0) for i in range(rounds)]


def measure(client: Client, *, requests: int, warmup: int, rounds: int, slugs: list[str]) -> Result:
    results = [StepResult(slug) for slug in slugs]
    for result in results:
        pages = {}
        for _ in range(max(1, warmup)):
            pages = {attr: _get(client, path(result.slug)) for attr, path in PAGES.items()}
        check_same_fields(pages["real"].content, pages["bare"].content, result.slug)
        check_same_fields(pages["framed"].content, pages["bare"].content, result.slug)
        for attr, path in PAGES.items():
            with CaptureQueriesContext(connection) as queries:
                _get(client, path(result.slug))
            setattr(result, f"{attr}_queries", len(queries))
    # Interleave: every round times every step's pages, in a rotating order, so drift
    # (thermal, caches, other load) falls on all alike.
    order = list(PAGES.items())
    for number, chunk in enumerate(_chunks(requests, rounds)):
        gc.collect()
        for index, result in enumerate(results):
            shift = (number + index) % len(order)
            for attr, path in order[shift:] + order[:shift]:
                getattr(result, attr).add(chunk, *_timed(client, path(result.slug), chunk))
    return Result(results)


def profile_real_page(client: Client, *, slug: str, requests: int, limit: int = 40) -> str:
    for _ in range(5):
        _get(client, real_path(slug))
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        _get(client, real_path(slug))
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(limit)
    stats.sort_stats("tottime").print_stats(limit)
    return out.getvalue()


# --- Running it all ----------------------------------------------------------------------------


def database_label() -> str:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version} ({settings_dict['NAME']})"
    host = settings_dict.get("HOST") or "local socket"
    return f"{connection.vendor} {settings_dict['NAME']} on {host}"


def run(
    *,
    applications: int,
    requests: int,
    warmup: int,
    rounds: int,
    steps: list[str] | None = None,
    profile: str | None = None,
    write: Callable[[str], None] = print,
) -> Result | None:
    slugs = steps or [step.slug for step in STEPS]
    for slug in [*slugs, *([profile] if profile else [])]:
        if slug not in BY_SLUG:
            raise BenchError(f"No step called {slug!r}.")
    client = Client()
    result = None
    outer_atomic = connection.in_atomic_block  # True only under a test's transaction
    with interrupts_raise(), warnings.catch_warnings():
        # WhiteNoise warns when static files are not collected; the step pages need none.
        warnings.filterwarnings("ignore", "No directory at", UserWarning)
        try:
            leftovers = _bench_users().count()
            if leftovers:
                write(f"Deleting {leftovers} bench users left by an interrupted run.")
            for warning in cleanup():
                write(warning)
            started = time.perf_counter()
            seeded = seed(applications=applications)
            write(
                f"Seeded {seeded.applications} applications in "
                f"{time.perf_counter() - started:.1f}s into edition {seeded.edition.year} "
                f"({'made for the bench' if seeded.edition_created else 'already open; reused'})."
            )
            application = Application.objects.select_related("edition").get(
                edition=seeded.edition, applicant=seeded.applicant
            )
            prefetch_related_objects([application], "referees")
            fixture = BareFixture(
                application,
                seeded.edition,
                seeded.applicant,
                EqualityMonitoring.objects.filter(
                    edition=seeded.edition, person=seeded.applicant
                ).first(),
            )
            # DEBUG off as in production (no query log); the bare page's URL exists only here.
            with (
                override_settings(
                    DEBUG=False,
                    ROOT_URLCONF="bench.urls",
                    ALLOWED_HOSTS=["testserver"],
                ),
                bare_fixture(fixture),
            ):
                client.force_login(seeded.applicant)
                if profile:
                    write(profile_real_page(client, slug=profile, requests=requests))
                    return None
                result = measure(
                    client, requests=requests, warmup=warmup, rounds=rounds, slugs=slugs
                )
            write(report(result, seeded=seeded, requests=requests, warmup=warmup, rounds=rounds))
            return result
        finally:
            with uninterrupted():
                if connection.in_atomic_block and not outer_atomic:
                    # Interrupted inside a request's transaction: drop it, start afresh.
                    connection.in_atomic_block = False
                    connection.close()
                with contextlib.suppress(Exception):
                    client.logout()
                for warning in cleanup():
                    write(warning)


def _verdict(value: float, goal: float) -> str:
    return f"goal ≥ {goal:.2f}: {'met' if value >= goal else 'NOT met'}"


def report(result: Result, *, seeded: Seeded, requests: int, warmup: int, rounds: int) -> str:
    lines = [
        f"Database: {database_label()}",
        f"{requests} timed GETs per page per step, in {min(rounds, requests)} interleaved "
        f"rounds, after {warmup} warm-up; DEBUG off; in-process test client.",
        "Real: /apply/<step>/ as a signed-in applicant. Bare: the same form, same crispy "
        "rendering, no layout, no session, no view database work. Framed: the bare page's form "
        "in the site's layout for the same signed-in applicant.",
        "",
        f"{'step':<14}{'real ms':>9}{'framed ms':>11}{'bare ms':>9}{'real/framed':>13}"
        f"{'framed/bare':>13}{'real/bare':>11}{'queries r/f/b':>15}",
    ]

    def row(label, real, framed, bare, queries=""):
        return (
            f"{label:<14}{real.ms:>9.2f}{framed.ms:>11.2f}{bare.ms:>9.2f}"
            f"{_ratio(framed.seconds, real.seconds):>13.2f}"
            f"{_ratio(bare.seconds, framed.seconds):>13.2f}"
            f"{_ratio(bare.seconds, real.seconds):>11.2f}{queries:>15}"
        )

    for step in result.steps:
        queries = f"{step.real_queries}/{step.framed_queries}/{step.bare_queries}"
        lines.append(row(step.slug, step.real, step.framed, step.bare, queries))
    lines.append(row("overall", result.real, result.framed, result.bare))
    best, cpu = result.best_ratios(), result.cpu_ratios()
    lines += [
        "",
        f"Per request: real {result.real.ms:.2f} ms, framed {result.framed.ms:.2f} ms, "
        f"bare {result.bare.ms:.2f} ms (CPU in this process: {result.real.cpu_ms:.2f} / "
        f"{result.framed.cpu_ms:.2f} / {result.bare.cpu_ms:.2f} ms).",
        f"Step page's own work (real/framed): {result.framed_ratio:.2f} "
        f"({_verdict(result.framed_ratio, GOAL_REAL_FRAMED)})",
        f"Signed-in layout alone (framed/bare): {result.layout_ratio:.2f} "
        f"({_verdict(result.layout_ratio, GOAL_FRAMED_BARE)})",
        f"Overall real/bare ratio: {result.ratio:.2f}",
        f"Best rounds (each page's fastest round per step): real/framed {best[0]:.2f}, "
        f"framed/bare {best[1]:.2f}, real/bare {best[2]:.2f}",
        f"CPU time in this process (steadier on a busy machine; the database server's time is "
        f"not in it): real/framed {cpu[0]:.2f}, framed/bare {cpu[1]:.2f}, real/bare {cpu[2]:.2f}",
    ]
    return "\n".join(lines)
