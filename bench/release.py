"""Decision day, timed end to end (`manage.py bench_release`, part of `make bench`).

The bench seeds an edition of its own with N submitted, decided applications in PostgreSQL,
starts a local SMTP server (aiosmtpd, in a thread of this process) and ONE Celery worker (a
subprocess, run as the Procfile runs it: a prefork pool of two child processes; --concurrency
changes that, and 1 makes a single process do all the sending), then times
`decisions_release` from the call until the SMTP server has received every outcome email:
rendering, queueing and sending. The server counts messages by their X-Panitch-Email header
(the outbox key), so it sees duplicates and missing emails directly.

In the same run a plain smtplib loop, in a process of its own as the worker is, sends as many
messages of the same shape (email.message.EmailMessage, text and HTML) to the same server over
one connection: what sending alone costs on this machine. It sends half before the release and
half after, so a change in the machine's load during the run falls on both alike. The bench
prints both times, their ratio, the CPU each side used per message, and whether each goal is
met, then deletes everything it made.

The outbox's durable claim (each batch claimed in one committed statement before the SMTP
conversation, sent rows recorded in groups after the server's reply) is in the timed path.

Then the outage figure: OUTAGE_APPLICATIONS are released while nothing listens on the worker's
SMTP port; after a ten-minute outage the server starts there, and the bench times the last
email's arrival. The run is at OUTAGE_TIME_SCALE of real time (the worker's OUTBOX_TIME_SCALE
scales its backoff alike, and the outage is ten minutes × the scale), so the waiting part of the
figure is scaled back up, the sending part is not (see Recovery.unscaled).

Everything the bench creates is marked: users are bench-release-<n>@bench.invalid (a reserved
domain, so no email can reach anyone), its edition is named EDITION_NAME with contact
EDITION_CONTACT, and its outbox keys are decision:<its edition's pk>:<application pk>. Its
tasks go to a queue of the run's own that only its worker reads. Run one at a time per
database: a run starts by deleting what an interrupted one left. Its edition's release
moment is a month ahead, so beat on the same database never releases it by itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import environ
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import DatabaseError, connection, transaction
from django.test.utils import override_settings
from django.utils import timezone
from kombu import Exchange, Queue

from applications import decisions
from applications.enums import ApplicationStatus, Decision
from applications.models import Application, DecisionRelease
from panitch.models import Edition, OutboxEmail, User

from .support import (
    BENCH_DOMAIN,
    BenchError,
    closed_bench_edition,
    interrupts_raise,
    uninterrupted,
)

GOAL_SECONDS = 60.0
GOAL_RATIO = 0.5
# After a ten-minute outage of the mail server, every outcome email is out within six minutes
# of its return. Run at OUTAGE_TIME_SCALE of real time (the outbox's backoff, OUTBOX_TIME_SCALE,
# and the outage alike), so the figure takes a minute, not sixteen.
GOAL_RECOVERY_SECONDS = 6 * 60.0
OUTAGE_SECONDS = 10 * 60.0
OUTAGE_TIME_SCALE = 0.1
OUTAGE_APPLICATIONS = 2_000
DEFAULT_APPLICATIONS = 20_000
DEFAULT_TIMEOUT = 300.0
# As the Procfile runs the worker (docker-compose runs 4); --concurrency changes it.
DEFAULT_CONCURRENCY = 2
USER_PREFIX = "bench-release-"
EDITION_NAME = "Decision-day benchmark (temporary)"
EDITION_CONTACT = f"bench-release{BENCH_DOMAIN}"
QUEUE_PREFIX = "panitch-bench-release-"
DEFAULT_BROKER = "redis://127.0.0.1:6379/15"
SUGGESTED_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/panitch_bench"
FROM_EMAIL = f"Bench <{EDITION_CONTACT}>"
BATCH = 2000
ROOT = Path(settings.BASE_DIR)
# Set in the environment of a re-run with other settings, so it never re-runs again.
CHILD_FLAG = "PANITCH_BENCH_RELEASE_CHILD"


def bench_email(n: int) -> str:
    return f"{USER_PREFIX}{n}{BENCH_DOMAIN}"


# --- Where it runs -----------------------------------------------------------------------------

SQLITE_REFUSAL = (
    "bench_release measures decision day on PostgreSQL and refuses to run on SQLite. "
    f"Point it at a PostgreSQL database made for it, e.g. DATABASE_URL={SUGGESTED_DATABASE_URL} "
    "(create it, run `manage.py migrate` against it) or pass --database-url."
)


def check_database(settings_dict: dict) -> None:
    if "sqlite" in settings_dict.get("ENGINE", ""):
        raise BenchError(SQLITE_REFUSAL)
    if "postgresql" not in settings_dict.get("ENGINE", ""):
        raise BenchError(f"bench_release needs PostgreSQL, not {settings_dict.get('ENGINE')}.")


def check_broker(url: str) -> None:
    if urlsplit(url).scheme not in ("redis", "rediss"):
        raise BenchError(
            f"bench_release needs a Redis broker that its worker process can reach, not {url!r}; "
            f"pass --broker-url (default {DEFAULT_BROKER}) or set CELERY_BROKER_URL."
        )


def _same_database(a: dict, b: dict) -> bool:
    keys = ("ENGINE", "NAME", "USER", "HOST", "PORT")
    return all(str(a.get(k) or "") == str(b.get(k) or "") for k in keys)


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database this process uses (the test database, under pytest)."""
    user = quote(str(settings_dict.get("USER") or ""), safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = settings_dict.get("HOST") or ""
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    options = {
        k: v
        for k, v in (settings_dict.get("OPTIONS") or {}).items()
        if isinstance(v, str | int | float)
    }
    query = f"?{urlencode(options)}" if options else ""
    name = quote(str(settings_dict["NAME"]), safe="")
    return f"postgres://{credentials}{host}{port}/{name}{query}"


def default_broker_url() -> str:
    configured = getattr(settings, "CELERY_BROKER_URL", "")
    if os.environ.get("CELERY_BROKER_URL"):
        return os.environ["CELERY_BROKER_URL"]
    if urlsplit(configured).scheme in ("redis", "rediss"):
        return configured
    return DEFAULT_BROKER


def rerun_needed(*, database_url: str | None, broker_url: str) -> dict[str, str]:
    """The environment a re-run needs when the database or broker asked for is not the one
    this process was configured with (settings are read once, at start-up); {} if none."""
    env = {}
    if database_url:
        wanted = environ.Env.db_url_config(database_url)
        check_database(wanted)
        if not _same_database(wanted, connection.settings_dict):
            env["DATABASE_URL"] = database_url
    else:
        check_database(connection.settings_dict)
    check_broker(broker_url)
    if broker_url != settings.CELERY_BROKER_URL:
        env["CELERY_BROKER_URL"] = broker_url
    if env and os.environ.get(CHILD_FLAG):
        raise BenchError(f"Could not configure the re-run with {', '.join(env)}.")
    return env


def rerun(*, env: dict[str, str], argv: list[str], write: Callable[[str], None]) -> None:
    """Run this command again in a fresh process that reads `env`, passing its output on."""
    command = [sys.executable, str(ROOT / "manage.py"), "bench_release", *argv]
    with subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env, CHILD_FLAG: "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as child:
        for line in child.stdout:
            write(line.rstrip("\n"))
    if child.returncode:
        raise BenchError(f"The run with {', '.join(sorted(env))} set failed.")


# --- Seeding and cleaning up -------------------------------------------------------------------


def _bench_users():
    return User.objects.filter(email__startswith=USER_PREFIX, email__endswith=BENCH_DOMAIN)


def _bench_editions():
    return Edition.objects.filter(name=EDITION_NAME, contact_email=EDITION_CONTACT)


def cleanup() -> int:
    """Delete every row a run makes (this one's or an interrupted one's); how many users."""
    with transaction.atomic():
        for edition in _bench_editions():
            OutboxEmail.objects.filter(
                idempotency_key__startswith=f"decision:{edition.pk}:"
            ).delete()
            DecisionRelease.objects.filter(edition=edition).delete()
            Application.objects.filter(edition=edition).delete()
        users = _bench_users()
        Application.objects.filter(applicant__in=users).delete()
        count, _ = users.delete()
        _bench_editions().delete()
    vacuum()
    return count


def make_edition(*, now: dt.datetime) -> Edition:
    return closed_bench_edition(
        now=now, name=EDITION_NAME, contact_email=EDITION_CONTACT, earliest_days_ago=2
    )


def decision_for(n: int, *, places: int) -> str:
    """A realistic mix: the edition's places accepted, five times as many waitlisted, the rest
    unsuccessful; spread through the pks, so every send batch has a mix."""
    if n % 50 == 0 and n // 50 < places:
        return Decision.ACCEPTED
    if n % 10 == 5 and n // 10 < places * 5:
        return Decision.WAITLISTED
    return Decision.UNSUCCESSFUL


@dataclass
class Seeded:
    edition: Edition
    application_ids: list[int]
    decisions: Counter
    first_of_each_decision: dict[str, int]


def seed(*, applications: int, now: dt.datetime | None = None) -> Seeded:
    now = now or timezone.now()
    password = make_password(None)
    with transaction.atomic():
        edition = make_edition(now=now)
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
        users = dict(_bench_users().values_list("email", "pk"))
        rows, rank = [], 0
        for n in range(applications):
            decision = decision_for(n, places=edition.places)
            if decision == Decision.WAITLISTED:
                rank += 1
            rows.append(
                Application(
                    edition=edition,
                    applicant_id=users[bench_email(n)],
                    status=ApplicationStatus.SUBMITTED,
                    submitted_at=opens_plus(edition, n),
                    is_member=True,
                    consent_special_category=True,
                    project_title="Harehills renters' political education series",
                    decision=decision,
                    waitlist_rank=rank if decision == Decision.WAITLISTED else None,
                    decided_at=now,
                )
            )
        Application.objects.bulk_create(rows, batch_size=BATCH)
    rows = Application.objects.filter(edition=edition).order_by("pk")
    ids, counts, first = [], Counter(), {}
    for pk, decision in rows.values_list("pk", "decision"):
        ids.append(pk)
        counts[decision] += 1
        first.setdefault(decision, pk)
    # As in production, where the applications have been there for weeks: fresh statistics for
    # them, and the outbox's as they were before the release adds its rows.
    vacuum(analyze=True)
    return Seeded(
        edition=edition, application_ids=ids, decisions=counts, first_of_each_decision=first
    )


BENCH_TABLES = [OutboxEmail, Application, User, Edition]


def vacuum(*, analyze: bool = False) -> None:
    """VACUUM the tables a run fills and empties. A run inserts, updates and deletes tens of
    thousands of rows; where autovacuum is off or slow, the dead rows would otherwise slow
    the next run (and this one's queries). Outside any transaction only; needs table owner."""
    if connection.in_atomic_block:
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in BENCH_TABLES)
    with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
        cursor.execute(f"VACUUM {'(ANALYZE) ' if analyze else ''}{tables}")


def opens_plus(edition: Edition, n: int) -> dt.datetime:
    return edition.applications_open_at + dt.timedelta(milliseconds=n % 3_600_000)


# --- The SMTP server ---------------------------------------------------------------------------

KEY_HEADER = re.compile(rb"^X-Panitch-Email:[ \t]*(\S+)[ \t]*\r?$", re.MULTILINE | re.IGNORECASE)


class CountingHandler:
    """Counts every message by its X-Panitch-Email header; cheap, so the server is no limit."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts: Counter = Counter()
        self.bytes: Counter = Counter()  # per key prefix ("decision", "plain")
        self.expected: set[str] = set()
        self.received_expected = 0
        # perf_counter() when the first and the last expected key first arrived
        self.first_at: float | None = None
        self.last_at: float | None = None

    def expect(self, keys: set[str]) -> None:
        with self.lock:
            self.expected = set(keys)
            self.received_expected = sum(1 for key in self.counts if key in self.expected)

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        head = content.split(b"\r\n\r\n", 1)[0]
        match = KEY_HEADER.search(head)
        key = match.group(1).decode() if match else "(none)"
        now = time.perf_counter()
        with self.lock:
            self.counts[key] += 1
            self.bytes[key.split(":", 1)[0]] += len(content)
            if self.counts[key] == 1 and key in self.expected:
                self.received_expected += 1
                self.first_at = self.first_at or now
                self.last_at = now
        return "250 Message accepted for delivery"

    def tally(self, keys: set[str]) -> tuple[int, int, int]:
        """(received, duplicated keys, missing keys) among keys."""
        with self.lock:
            received = sum(self.counts[key] for key in keys)
            duplicates = sum(1 for key in keys if self.counts[key] > 1)
            missing = sum(1 for key in keys if self.counts[key] == 0)
        return received, duplicates, missing


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def smtp_server(handler: CountingHandler) -> Iterator[int]:
    try:
        from aiosmtpd.controller import Controller
    except ImportError as error:
        raise BenchError(
            "bench_release needs aiosmtpd for its SMTP server: "
            ".venv/bin/pip install -c constraints.txt aiosmtpd (it is in requirements-test.txt)."
        ) from error
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, server_hostname="bench.invalid"
    )
    with quiet_mail_log():
        controller.start()
        try:
            yield port
        finally:
            with contextlib.suppress(Exception):
                controller.stop()


@contextlib.contextmanager
def quiet_mail_log() -> Iterator[None]:
    """aiosmtpd logs every SMTP command at INFO, which the project's logging prints."""
    import logging

    log = logging.getLogger("mail.log")
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(level)


# --- The worker --------------------------------------------------------------------------------


@contextlib.contextmanager
def celery_queue(queue: str) -> Iterator[None]:
    """Tasks sent from this process go to `queue` (only the bench's worker reads it), which
    starts empty and is deleted at the end. Celery caches the queues and router it builds from
    the default queue, so they are dropped on the way in and out, to be rebuilt from the
    setting."""
    from panitch.celery import app

    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    _forget_routing(app)
    with app.connection_for_write() as conn:
        _declared(queue, conn).purge()
    try:
        yield
    finally:
        app.conf.task_default_queue = previous
        _forget_routing(app)
        with contextlib.suppress(Exception), app.connection_for_write() as conn:
            _declared(queue, conn).delete()


def _forget_routing(app) -> None:
    for cached in ("default_queue", "default_exchange", "queues", "router"):
        with contextlib.suppress(AttributeError):
            delattr(app.amqp, cached)


def _declared(queue: str, conn):
    """The queue as Celery declares a queue it was not told about, bound to conn."""
    bound = Queue(queue, Exchange(queue), routing_key=queue)(conn.default_channel)
    bound.declare()
    return bound


@dataclass
class Worker:
    process: subprocess.Popen
    name: str
    log: Path

    def tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


@contextlib.contextmanager
def celery_worker(
    *,
    smtp_port: int,
    broker_url: str,
    queue: str,
    log_dir: Path,
    concurrency: int,
    extra_env: dict[str, str] | None = None,
    label: str = "worker",
) -> Iterator[Worker]:
    """One worker, as deployed: a prefork pool of `concurrency` child processes."""
    from panitch.celery import app

    name = f"bench-release-{label}-{os.getpid()}@{socket.gethostname()}"
    log = log_dir / f"{label}.log"
    env = {
        **(extra_env or {}),
        **os.environ,
        # The worker reads these as a deployed worker reads its environment.
        "DJANGO_SETTINGS_MODULE": "panitch.settings.base",
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_BROKER_URL": broker_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop(CHILD_FLAG, None)
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "panitch",
        "worker",
        "--pool=prefork",
        f"--concurrency={concurrency}",
        f"--queues={queue}",
        f"--hostname={name}",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    worker = Worker(process=process, name=name, log=log)
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[name], timeout=0.5):
            if process.poll() is not None:
                raise BenchError(f"The Celery worker exited at start-up:\n{worker.tail()}")
            if time.monotonic() > deadline:
                raise BenchError(f"The Celery worker did not start in 60 s:\n{worker.tail()}")
        yield worker
    finally:
        stop(process)


def stop(process: subprocess.Popen, *, grace: float = 15) -> None:
    """SIGTERM (warm shutdown), then SIGKILL for the worker and its pool child."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # its own session: the worker and its child
        process.wait(5)


# --- The plain smtplib loop --------------------------------------------------------------------

PLAIN_LOOP = r"""
import json, smtplib, sys, time
from email.message import EmailMessage

job = json.load(sys.stdin)
samples = job["samples"]
start, cpu = time.perf_counter(), time.process_time()
with smtplib.SMTP(job["host"], job["port"], local_hostname="bench.invalid") as smtp:
    for i in range(job["first"], job["first"] + job["count"]):
        sample = samples[i % len(samples)]
        message = EmailMessage()
        message["Subject"] = sample["subject"]
        message["From"] = job["from"]
        message["To"] = sample["to"]
        message["X-Panitch-Email"] = f"plain:{i}"
        message.set_content(sample["text"])
        message.add_alternative(sample["html"], subtype="html")
        smtp.send_message(message)
print(json.dumps({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu}))
"""


def plain_samples(seeded: Seeded) -> list[dict]:
    """One outcome email of each decision, rendered as the release renders them."""
    renderer = decisions.OutcomeRenderer()
    applications = Application.objects.filter(
        pk__in=seeded.first_of_each_decision.values()
    ).select_related("applicant", "edition")
    return [
        {"to": application.applicant.email, **renderer.render(application)}
        for application in applications
    ]


def plain_loop(
    *, port: int, first: int, count: int, samples: list[dict], timeout: float
) -> tuple[float, float]:
    """(seconds, CPU seconds) for one smtplib connection to send `count` messages, in a process
    of its own (as the worker is), building each message in the loop."""
    job = {
        "host": "127.0.0.1",
        "port": port,
        "first": first,
        "count": count,
        "samples": samples,
        "from": FROM_EMAIL,
    }
    result = subprocess.run(
        [sys.executable, "-c", PLAIN_LOOP],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode:
        raise BenchError(f"The plain smtplib loop failed:\n{result.stderr[-2000:]}")
    out = json.loads(result.stdout)
    return out["seconds"], out["cpu"]


# --- CPU accounting (Linux /proc; None elsewhere) ----------------------------------------------


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def tree_cpu(pid: int) -> float | None:
    """CPU seconds used so far by a process and its children (the worker and its pool)."""
    try:
        pids = [pid] + [
            int(entry)
            for entry in os.listdir("/proc")
            if entry.isdigit() and _stat_or_none(int(entry), 1) == str(pid)
        ]
        ticks = sum(int(_stat(p)[11]) + int(_stat(p)[12]) for p in pids)
    except (OSError, ValueError, IndexError):
        return None
    return ticks / os.sysconf("SC_CLK_TCK")


def _stat_or_none(pid: int, index: int) -> str | None:
    try:
        return _stat(pid)[index]
    except (OSError, IndexError):
        return None


def own_cpu() -> float:
    times = os.times()
    return times.user + times.system


# --- Running it all ----------------------------------------------------------------------------


@dataclass
class Result:
    applications: int
    decisions: Counter
    release_seconds: float = 0.0
    queued_seconds: float = 0.0  # until decisions_release returned (render, queue, commit)
    first_message_seconds: float | None = None
    received: int = 0
    duplicates: int = 0
    missing: int = 0
    timed_out: bool = False
    statuses: dict = field(default_factory=dict)
    plain_seconds: float = 0.0
    plain_received: int = 0
    plain_duplicates: int = 0
    plain_missing: int = 0
    release_bytes: int = 0
    plain_bytes: int = 0
    # CPU seconds: the worker (sending), this process (the SMTP server while the worker sends,
    # plus rendering and queueing), the plain loop's process and this process during it.
    worker_cpu: float | None = None
    queue_cpu: float = 0.0
    release_own_cpu: float = 0.0
    plain_cpu: float = 0.0
    plain_own_cpu: float = 0.0
    recovery: Recovery | None = None

    @property
    def rate(self) -> float:
        return self.applications / self.release_seconds if self.release_seconds else 0.0

    @property
    def plain_rate(self) -> float:
        return self.applications / self.plain_seconds if self.plain_seconds else 0.0

    @property
    def ratio(self) -> float:
        return self.plain_seconds / self.release_seconds if self.release_seconds else 0.0

    @property
    def goals(self) -> dict[str, bool]:
        return {
            f"release ≤ {GOAL_SECONDS:.0f} s": not self.timed_out
            and self.release_seconds <= GOAL_SECONDS,
            "0 duplicates": self.duplicates == 0,
            "0 missing": self.missing == 0,
            f"ratio ≥ {GOAL_RATIO}": not self.timed_out and self.ratio >= GOAL_RATIO,
        }


@dataclass
class Recovery:
    """Decision day with the mail server down for OUTAGE_SECONDS × scale."""

    applications: int
    scale: float
    outage_seconds: float = 0.0  # real seconds the server was down after the release
    refused_attempts: int = 0  # attempts made while it was down (rows' attempt counts)
    to_first: float | None = None  # real seconds from its return to the first email
    to_last: float | None = None  # ... to the last
    received: int = 0
    duplicates: int = 0
    missing: int = 0
    statuses: dict = field(default_factory=dict)
    timed_out: bool = False

    @property
    def unscaled(self) -> float | None:
        """The figure at real time, conservatively: the wait for the retries is scaled (it
        is the backoff), the sending after the first email is not (it is throughput)."""
        if self.to_first is None or self.to_last is None:
            return None
        return self.to_first / self.scale + (self.to_last - self.to_first)

    @property
    def goals(self) -> dict[str, bool]:
        return {
            f"server back → last email ≤ {GOAL_RECOVERY_SECONDS / 60:.0f} min": not self.timed_out
            and self.unscaled is not None
            and self.unscaled <= GOAL_RECOVERY_SECONDS,
            "nobody failed": not self.statuses.get("failed", 0) and not self.missing,
            "0 duplicates": self.duplicates == 0,
        }

    def report(self) -> str:
        figure = (
            f"{self.unscaled / 60:.1f} min at real time (measured {self.to_last:.1f} s at "
            f"{self.scale}× time: first email {self.to_first:.1f} s after the return)"
            if self.unscaled is not None
            else "n/a"
        )
        return "\n".join(
            [
                "",
                f"Outage: {self.applications} applications released with the mail server down "
                f"for {OUTAGE_SECONDS / 60:.0f} min at {self.scale}× time "
                f"({self.outage_seconds:.0f} s; backoff scaled alike, "
                f"{self.refused_attempts} attempts refused meanwhile)",
                f"Server back → last email: {figure}{' (TIMED OUT)' if self.timed_out else ''}",
                f"Received: {self.received}; duplicates {self.duplicates}; missing "
                f"{self.missing}; outbox rows: {self.statuses.get('sent', 0)} sent, "
                f"{self.statuses.get('failed', 0)} failed",
                "Goals: "
                + "; ".join(
                    f"{goal}: {'met' if met else 'NOT met'}" for goal, met in self.goals.items()
                ),
            ]
        )


def outage(
    *,
    applications: int,
    scale: float,
    broker_url: str,
    concurrency: int,
    log_dir: Path,
    timeout: float,
    write: Callable[[str], None],
) -> Recovery:
    """Release with nothing listening on the worker's SMTP port; after the outage, start the
    server there and time the last email's arrival."""
    from aiosmtpd.controller import Controller

    seeded = seed(applications=applications)
    total = len(seeded.application_ids)
    recovery = Recovery(applications=total, scale=scale)
    expected = {f"decision:{seeded.edition.pk}:{pk}" for pk in seeded.application_ids}
    handler = CountingHandler()
    handler.expect(expected)
    port = free_port()
    queue = f"{QUEUE_PREFIX}outage-{os.getpid()}"
    with (
        quiet_mail_log(),
        celery_queue(queue),
        celery_worker(
            smtp_port=port,
            broker_url=broker_url,
            queue=queue,
            log_dir=log_dir,
            concurrency=concurrency,
            extra_env={"OUTBOX_TIME_SCALE": str(scale)},
            label="outage-worker",
        ) as worker,
    ):
        with override_settings(DEBUG=False):
            decisions.decisions_release(edition=seeded.edition)
        down_from = time.perf_counter()
        time.sleep(OUTAGE_SECONDS * scale)
        recovery.outage_seconds = time.perf_counter() - down_from
        recovery.refused_attempts = sum(
            decisions.release_emails(edition=seeded.edition).values_list("attempts", flat=True)
        )
        controller = Controller(
            handler, hostname="127.0.0.1", port=port, server_hostname="bench.invalid"
        )
        controller.start()
        returned = time.perf_counter()
        try:
            deadline = returned + timeout
            while handler.received_expected < total:
                if worker.process.poll() is not None:
                    raise BenchError(f"The Celery worker died while sending:\n{worker.tail()}")
                if time.perf_counter() > deadline:
                    recovery.timed_out = True
                    break
                time.sleep(0.05)
            if handler.first_at is not None:
                recovery.to_first = handler.first_at - returned
                recovery.to_last = handler.last_at - returned
            recovery.statuses = _settle(seeded.edition)
            recovery.received, recovery.duplicates, recovery.missing = handler.tally(expected)
        finally:
            with contextlib.suppress(Exception):
                controller.stop()
    return recovery


@dataclass
class Timing:
    seconds: float  # from the call until every outcome email reached the server
    queued: float  # until decisions_release returned (render, queue, commit)
    first: float | None  # until the first message reached the server
    timed_out: bool
    queue_cpu: float  # this process's CPU seconds in decisions_release


def _release_and_wait(
    *, edition: Edition, handler: CountingHandler, worker: Worker, total: int, timeout: float
) -> Timing:
    # DEBUG off, as in production: no query log while rendering and queueing.
    with override_settings(DEBUG=False):
        start, cpu = time.perf_counter(), own_cpu()
        decisions.decisions_release(edition=edition)
        queued, queue_cpu = time.perf_counter() - start, own_cpu() - cpu
    deadline = start + timeout
    timed_out = False
    while handler.received_expected < total:
        if worker.process.poll() is not None:
            raise BenchError(f"The Celery worker died while sending:\n{worker.tail()}")
        if time.perf_counter() > deadline:
            timed_out = True
            break
        time.sleep(0.05)  # the end time is the last message's arrival, not the poll's
    end = time.perf_counter() if timed_out else min(handler.last_at, time.perf_counter())
    first = handler.first_at - start if handler.first_at is not None else None
    return Timing(
        seconds=end - start, queued=queued, first=first, timed_out=timed_out, queue_cpu=queue_cpu
    )


def _settle(edition: Edition, *, timeout: float = 10.0) -> dict:
    """Wait for the rows to show sent (the commit follows the SMTP reply), then a moment more
    for any duplicate still on its way."""
    deadline = time.monotonic() + timeout
    while True:
        counts = decisions.release_counts(edition=edition)
        if not (counts["pending"] or counts["claimed"]) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    time.sleep(1.0)
    return counts


def run(
    *,
    applications: int = DEFAULT_APPLICATIONS,
    keep: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    concurrency: int = DEFAULT_CONCURRENCY,
    write: Callable[[str], None] = print,
    outage_applications: int = OUTAGE_APPLICATIONS,
    outage_scale: float = OUTAGE_TIME_SCALE,
) -> Result:
    """Seed, release, count, compare, clean up: on the database and broker configured. Then,
    unless outage_applications is 0, decision day again with the mail server down for ten
    minutes (at outage_scale of real time): how long after its return the last email is out."""
    check_database(connection.settings_dict)
    broker_url = settings.CELERY_BROKER_URL
    check_broker(broker_url)
    if connection.in_atomic_block:
        raise BenchError("Run outside a transaction: the worker must see the seeded rows.")
    if applications < 1:
        raise BenchError("--applications must be at least 1.")
    if concurrency < 1:
        raise BenchError("--concurrency must be at least 1.")
    seeded = None
    with interrupts_raise(), tempfile.TemporaryDirectory(prefix="bench-release-") as tmp:
        try:
            leftovers = cleanup()
            if leftovers:
                write(f"Deleted {leftovers} bench users left by an interrupted run.")
            started = time.perf_counter()
            seeded = seed(applications=applications)
            total = len(seeded.application_ids)
            result = Result(applications=total, decisions=seeded.decisions)
            write(
                f"Seeded {total} submitted, decided applications in "
                f"{time.perf_counter() - started:.1f} s into edition {seeded.edition.year} "
                f"on {database_label()}."
            )
            expected = {f"decision:{seeded.edition.pk}:{pk}" for pk in seeded.application_ids}
            handler = CountingHandler()
            handler.expect(expected)
            queue = f"{QUEUE_PREFIX}{os.getpid()}"
            samples = plain_samples(seeded)
            with (
                smtp_server(handler) as port,
                celery_queue(queue),
                celery_worker(
                    smtp_port=port,
                    broker_url=broker_url,
                    queue=queue,
                    log_dir=Path(tmp),
                    concurrency=concurrency,
                ) as worker,
            ):
                write(
                    f"SMTP server (aiosmtpd) on 127.0.0.1:{port}; one Celery worker "
                    f"(prefork, concurrency {concurrency}) on queue {queue} of "
                    f"{redacted(broker_url)}."
                )

                # The plain loop sends half its messages before the release and half after,
                # so a change in the machine's load during the run falls on both alike.
                def plain(first: int, count: int) -> None:
                    own = own_cpu()
                    seconds, cpu = plain_loop(
                        port=port, first=first, count=count, samples=samples, timeout=timeout
                    )
                    result.plain_seconds += seconds
                    result.plain_cpu += cpu
                    result.plain_own_cpu += own_cpu() - own

                plain(0, total // 2)

                worker_cpu, own = tree_cpu(worker.process.pid), own_cpu()
                timing = _release_and_wait(
                    edition=seeded.edition,
                    handler=handler,
                    worker=worker,
                    total=total,
                    timeout=timeout,
                )
                worker_after = tree_cpu(worker.process.pid)
                result.queue_cpu = timing.queue_cpu
                result.release_own_cpu = own_cpu() - own - timing.queue_cpu
                if worker_cpu is not None and worker_after is not None:
                    result.worker_cpu = worker_after - worker_cpu
                result.release_seconds, result.queued_seconds = timing.seconds, timing.queued
                result.first_message_seconds, result.timed_out = timing.first, timing.timed_out
                result.statuses = _settle(seeded.edition)
                result.received, result.duplicates, result.missing = handler.tally(expected)
                result.release_bytes = handler.bytes["decision"]

                plain(total // 2, total - total // 2)
                plain_keys = {f"plain:{i}" for i in range(total)}
                (result.plain_received, result.plain_duplicates, result.plain_missing) = (
                    handler.tally(plain_keys)
                )
                result.plain_bytes = handler.bytes["plain"]
            write(report(result))
            if outage_applications:
                cleanup()
                recovery = outage(
                    applications=outage_applications,
                    scale=outage_scale,
                    broker_url=broker_url,
                    concurrency=concurrency,
                    log_dir=Path(tmp),
                    timeout=timeout,
                    write=write,
                )
                result.recovery = recovery
                write(recovery.report())
            return result
        finally:
            if keep and seeded is not None:
                write(
                    f"Kept edition {seeded.edition.year} (id {seeded.edition.pk}), its "
                    "applications, bench-release-* users and outbox rows (--keep); the next run "
                    "deletes them."
                )
            else:
                with uninterrupted():
                    cleanup()


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def database_label() -> str:
    s = connection.settings_dict
    return f"PostgreSQL {s['NAME']} on {s.get('HOST') or 'local socket'}"


def _ms_each(seconds: float | None, n: int) -> str:
    return f"{1000 * seconds / n:.2f} ms" if seconds is not None and n else "n/a"


def report(r: Result) -> str:
    n = r.applications
    mix = ", ".join(f"{r.decisions.get(d, 0)} {d}" for d in Decision.values)
    sending = r.release_seconds - r.queued_seconds
    first = (
        f", first message at {r.first_message_seconds:.1f} s"
        if r.first_message_seconds is not None
        else ""
    )
    lines = [
        "",
        f"Applications: {n} ({mix})",
        f"Release: {r.release_seconds:.2f} s{' (TIMED OUT)' if r.timed_out else ''}, "
        f"{r.rate:.0f} messages/s; decisions_release returned at {r.queued_seconds:.2f} s "
        f"(render, queue, commit){first}; sending {sending:.2f} s",
        f"Received by the server: {r.received} messages, {r.release_bytes / max(n, 1) / 1024:.1f}"
        f" KiB each; outbox rows: {r.statuses.get('sent', 0)} sent, "
        f"{r.statuses.get('pending', 0)} pending, {r.statuses.get('failed', 0)} failed",
        f"Duplicates: {r.duplicates}",
        f"Missing: {r.missing}",
        f"Plain smtplib loop: {r.plain_seconds:.2f} s, {r.plain_rate:.0f} messages/s "
        f"(one connection, half before the release and half after; {r.plain_received} received, "
        f"{r.plain_bytes / max(n, 1) / 1024:.1f} KiB each, {r.plain_duplicates} duplicated, "
        f"{r.plain_missing} missing)",
        f"CPU per message: release: rendering and queueing {_ms_each(r.queue_cpu, n)}, worker "
        f"{_ms_each(r.worker_cpu, n)}, SMTP server {_ms_each(r.release_own_cpu, n)}; plain: "
        f"client {_ms_each(r.plain_cpu, n)}, SMTP server {_ms_each(r.plain_own_cpu, n)}",
        f"Ratio plain/release: {r.ratio:.2f}",
        "Goals: "
        + "; ".join(f"{goal}: {'met' if met else 'NOT met'}" for goal, met in r.goals.items()),
    ]
    return "\n".join(lines)
