"""Exactly one outcome email per applicant, with real Celery workers: a release run by a
worker, the release and beat's task run twice, two releases started together, SMTP failing
for a while, and a worker killed with SIGKILL in the middle of sending and then restarted.
"""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections import Counter, defaultdict
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from celery.signals import task_failure, task_postrun, task_prerun
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection

from applications import decisions
from applications.models import DecisionRelease
from applications.tasks import decision_day, release_decisions
from panitch.celery import app as celery_app
from panitch.enums import EmailStatus
from panitch.models import OutboxEmail
from tests.applications.factories import decided_applications, edition_due_for_release
from tests.applications.helpers import wait_for

ROOT = Path(__file__).resolve().parents[2]
DECISIONS = ["accepted", "waitlisted", "unsuccessful"]
SUBJECTS = {
    "accepted": "You have a place on the Leo Panitch Leadership Programme {}",
    "waitlisted": "Your application to the Leo Panitch Leadership Programme {}",
    "unsuccessful": "Your application to the Leo Panitch Leadership Programme {}",
}


def decided_field(edition, count):
    """{applicant email: subject of the outcome email they should get}."""
    decided = decided_applications(edition=edition, count=count)
    return {to: SUBJECTS[decision].format(edition.name) for to, decision in decided.items()}


def delivered():
    """(recipient, subject) of every message the worker delivered, sorted."""
    return sorted((m.to[0], m.subject) for m in mail.outbox)


def outcome_rows():
    return set(
        OutboxEmail.objects.filter(kind__startswith="decision_").values_list("status", "attempts")
    )


class TaskLog:
    """What the worker thread runs, from Celery's signals: lets a test wait for the worker
    without querying the database while the worker writes to it (SQLite's in-memory test
    database, shared between threads, refuses a write at once while another thread reads)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running = 0
        self.changed = time.monotonic()
        self.finished = []  # task ids
        self.failed = []  # (task name, error)

    def prerun(self, task_id=None, **kwargs):
        with self.lock:
            self.running += 1
            self.changed = time.monotonic()

    def postrun(self, task_id=None, **kwargs):
        with self.lock:
            self.running -= 1
            self.finished.append(task_id)
            self.changed = time.monotonic()

    def failure(self, sender=None, exception=None, **kwargs):
        with self.lock:
            self.failed.append((sender.name, repr(exception)))

    def idle(self, quiet=0.5):
        with self.lock:
            return self.running == 0 and time.monotonic() - self.changed >= quiet

    def ran(self, *results):
        with self.lock:
            return all(result.id in self.finished for result in results)


@pytest.fixture
def tasks():
    log = TaskLog()
    receivers = [
        (task_prerun, log.prerun),
        (task_postrun, log.postrun),
        (task_failure, log.failure),
    ]
    for signal_, receiver in receivers:
        signal_.connect(receiver, weak=False)
    yield log
    for signal_, receiver in receivers:
        signal_.disconnect(receiver)


# (a) A release run by a worker


def test_a_release_run_by_a_worker_emails_every_applicant_once(celery_worker_thread, tasks):
    edition = edition_due_for_release()
    expected = decided_field(edition, 12)

    release_decisions.delay(edition_id=edition.pk)

    assert wait_for(lambda: len(mail.outbox) >= 12 and tasks.idle(), timeout=30), tasks.failed
    assert tasks.failed == []
    assert delivered() == sorted(expected.items())
    release = DecisionRelease.objects.get()
    assert (release.edition, release.emails_queued) == (edition, 12)
    assert OutboxEmail.objects.filter(kind__startswith="decision_").count() == 12
    assert outcome_rows() == {(EmailStatus.SENT, 1)}


# (b) The release task and beat's decision-day task each run twice


def test_release_and_decision_day_run_twice_send_nothing_more(celery_worker_thread, tasks):
    edition = edition_due_for_release()
    expected = decided_field(edition, 9)

    release_decisions.delay(edition_id=edition.pk)
    release_decisions.delay(edition_id=edition.pk)
    decision_day.delay()
    decision_day.delay()

    assert wait_for(lambda: len(mail.outbox) >= 9 and tasks.idle(), timeout=30), tasks.failed
    late = [decision_day.delay(), release_decisions.delay(edition_id=edition.pk)]
    assert wait_for(lambda: tasks.ran(*late) and tasks.idle(), timeout=30)

    assert tasks.failed == []
    assert delivered() == sorted(expected.items())
    assert DecisionRelease.objects.count() == 1
    assert OutboxEmail.objects.count() == 9
    assert outcome_rows() == {(EmailStatus.SENT, 1)}


def test_beat_releases_at_the_release_time_through_the_worker(celery_worker_thread, tasks):
    edition = edition_due_for_release()
    expected = decided_field(edition, 6)

    decision_day.delay()

    assert wait_for(lambda: len(mail.outbox) >= 6 and tasks.idle(), timeout=30), tasks.failed
    assert tasks.failed == []
    assert delivered() == sorted(expected.items())
    release = DecisionRelease.objects.get()
    assert (release.released_by, release.released_at > edition.decisions_release_at) == (
        None,
        True,
    )


# (c) Two releases started together


def test_two_releases_started_together_make_one_release_and_one_email_each(transactional_db, tasks):
    edition = edition_due_for_release()
    expected = decided_field(edition, 15)
    celery_app.control.purge()
    barrier = threading.Barrier(2)
    releases, errors = [], []

    def release():
        try:
            barrier.wait(timeout=10)
            releases.append(decisions.decisions_release(edition=edition).pk)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=release) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    if connection.vendor == "postgresql":
        # The edition's row lock makes the second wait, then find the release made.
        assert errors == []
        assert len(releases) == 2
    else:
        # SQLite's in-memory test database is shared between threads through its shared
        # cache, where a write lock is refused at once instead of waited for (a database
        # file, as `make run` uses, waits up to 20 seconds). The loser may fail outright.
        assert len(releases) + len(errors) == 2
        assert len(releases) >= 1
        assert [str(error) for error in errors] in ([], ["database table is locked"])
    assert len(set(releases)) == 1
    assert DecisionRelease.objects.count() == 1
    assert DecisionRelease.objects.get().emails_queued == 15

    # Then a worker delivers what the release queued: once.
    with start_worker(
        celery_app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10
    ):
        assert wait_for(lambda: len(mail.outbox) >= 15 and tasks.idle(), timeout=30)
    assert tasks.failed == []
    assert delivered() == sorted(expected.items())
    assert outcome_rows() == {(EmailStatus.SENT, 1)}


# SMTP failing for a while


class FlakySMTPHandler:
    """A real SMTP server that refuses the first `refusals` messages with 451, then accepts,
    recording each accepted message's outbox key."""

    def __init__(self, refusals):
        self.refusals = refusals
        self.accepted = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        key = message_from_bytes(envelope.content)["X-Panitch-Email"]
        with self.lock:
            if self.refusals:
                self.refusals -= 1
                return "451 4.3.0 Try again later"
            self.accepted[key] += 1
        return "250 Message accepted for delivery"

    def total(self):
        with self.lock:
            return sum(self.accepted.values())


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    controllers = []

    def start(handler):
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        controllers.append(controller)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = controller.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 10
        return controller

    yield start
    for controller in controllers:
        controller.stop()


def test_smtp_failing_for_a_while_still_delivers_each_email_once(celery_worker_thread, tasks, smtp):
    handler = FlakySMTPHandler(refusals=4)
    smtp(handler)
    edition = edition_due_for_release()
    decided_field(edition, 6)

    release_decisions.delay(edition_id=edition.pk)

    assert wait_for(lambda: handler.total() >= 6 and tasks.idle(), timeout=60), tasks.failed
    assert tasks.failed == []
    rows = list(
        OutboxEmail.objects.order_by("pk").values_list(
            "idempotency_key", "status", "attempts", "last_error"
        )
    )
    assert handler.accepted == Counter({key: 1 for key, *_ in rows})
    # The first four were refused once (451, try later), then sent by the retry.
    refused = "SMTPDataError: (451, b'4.3.0 Try again later')"
    assert [row[1:] for row in rows] == [("sent", 2, refused)] * 4 + [("sent", 1, "")] * 2


# (d) The worker killed in the middle of the release, then restarted
#
# The worker is a separate process (`celery -A panitch worker`), so it needs a database and a
# broker it can share with this test: on PostgreSQL it uses this test's own database (which a
# transactional test commits to); on SQLite, whose test database lives in this process's
# memory, the scenario runs on a SQLite file in tmp_path instead. The broker is the configured
# Redis when there is one, else kombu's filesystem transport in tmp_path. Everything that
# touches that database and broker (creating the applications, enqueueing the release,
# reading the outbox, beat's sweep) runs in small helper processes with the same settings, so
# the same steps run on both backends. The queue name is unique to the run so no other
# worker on a shared Redis can take these tasks.


HELPER = textwrap.dedent(
    """
    import datetime as dt, json, sys, time
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from panitch import outbox
    from panitch.models import OutboxEmail
    from applications.models import DecisionRelease

    command = sys.argv[1]
    if command == "setup":
        if connection.vendor == "sqlite":
            call_command("migrate", verbosity=0)
        from applications.tasks import release_decisions
        from tests.applications import factories
        edition = factories.edition_due_for_release()
        decided = factories.decided_applications(edition=edition, count=int(sys.argv[2]))
        release_decisions.delay(edition_id=edition.pk)
        print(json.dumps({"edition": edition.pk, "decided": decided}))
    elif command == "setup-due":
        # As "setup", but nothing is enqueued: beat releases the edition when it is due.
        from tests.applications import factories
        edition = factories.edition_due_for_release()
        decided = factories.decided_applications(edition=edition, count=int(sys.argv[2]))
        print(json.dumps({"edition": edition.pk, "decided": decided}))
    elif command == "queue-one":
        from django.db import transaction
        with transaction.atomic():
            email = outbox.queue(
                kind="outbox_test", to="sam@example.org", key="scenario:one",
                subject="Hello", text="Hello Sam",
            )
        print(json.dumps({"key": email.idempotency_key, "message_id": email.message_id}))
    elif command == "report":
        rows = OutboxEmail.objects.order_by("pk").values_list(
            "idempotency_key", "to", "status", "attempts", "message_id"
        )
        print(json.dumps({"rows": list(rows), "releases": DecisionRelease.objects.count()}))
    elif command == "beat":
        # What beat's sweep does every minute, compressed to every two seconds: take back
        # expired claims and enqueue rows nobody is sending (the scenario's settings cut the
        # claim timeout to three seconds and the grace to one).
        deadline = time.monotonic() + float(sys.argv[2])
        while time.monotonic() < deadline:
            if not OutboxEmail.objects.exclude(status="sent").exists():
                break
            outbox.sweep()
            time.sleep(2)
    """
)


class HoldingSMTPHandler:
    """Accepts messages, recording each one's outbox key and Message-ID, but holds the
    `hold_at`-th message without replying until told to let go. A message whose client has
    gone by then was never accepted (no 250 was sent), exactly as with a real mail server."""

    def __init__(self, hold_at):
        self.hold_at = hold_at
        self.seen = 0
        self.accepted = Counter()
        self.message_ids = defaultdict(set)
        self.holding = threading.Event()
        self.let_go = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        key = message_from_bytes(envelope.content)["X-Panitch-Email"]
        with self.lock:
            self.seen += 1
            hold = self.seen == self.hold_at
        if hold:
            self.holding.set()
            while not self.let_go.is_set():
                await asyncio.sleep(0.05)  # cancelled when the client's connection drops
            if server.transport is None or server.transport.is_closing():
                return "421 4.4.2 Connection dropped"
        with self.lock:
            self.accepted[key] += 1
            self.message_ids[key].add(message_from_bytes(envelope.content)["Message-ID"])
        return "250 Message accepted for delivery"


def setup_keys(report):
    return [row[0] for row in report["rows"]]


def scenario_database(tmp_path):
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        return (
            f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )
    return f"sqlite:///{tmp_path / 'scenario.sqlite3'}"


def scenario_settings(tmp_path, *, smtp_port, queue, extra=None, module="scenario_settings"):
    """A settings module for the worker and helper processes: the tests' settings, with real
    SMTP to this test's server, a shared broker and a queue of this run's own (and one for
    the sweep, as deployed). `extra` adds settings (name: value)."""
    broker = django_settings.CELERY_BROKER_URL
    options = {}
    if not broker.startswith(("redis://", "rediss://")):
        folder = tmp_path / "broker"
        broker = "filesystem://"
        options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
        for key in ("data_folder_in", "control_folder"):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
    lines = "".join(f"{name} = {value!r}\n" for name, value in (extra or {}).items())
    path = tmp_path / f"{module}.py"
    path.write_text(
        "from tests.settings import *  # noqa: F403\n"
        'EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"\n'
        'EMAIL_HOST = "127.0.0.1"\n'
        f"EMAIL_PORT = {smtp_port}\n"
        "EMAIL_USE_TLS = False\n"
        "EMAIL_TIMEOUT = 30\n"
        f"CELERY_BROKER_URL = {broker!r}\n"
        f"CELERY_BROKER_TRANSPORT_OPTIONS = {options!r}\n"
        f"CELERY_TASK_DEFAULT_QUEUE = {queue!r}\n"
        f"OUTBOX_SWEEP_QUEUE = {queue + '-sweep'!r}\n"
        "CELERY_TASK_ROUTES = {'panitch.tasks.outbox_sweep': {'queue': OUTBOX_SWEEP_QUEUE}}\n"
        # A dead worker's claims are taken back after seconds, not minutes.
        "OUTBOX_CLAIM_TIMEOUT_SECONDS = 3\n"
        "OUTBOX_SWEEP_GRACE_SECONDS = 1\n" + lines
    )
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": module,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        "DATABASE_URL": scenario_database(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }


def helper(env, *args, timeout=60):
    result = subprocess.run(
        [sys.executable, "-c", HELPER, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else None


def start_worker_process(env, queue, log):
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "panitch",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            f"{queue},{queue}-sweep",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def test_a_worker_killed_mid_release_and_restarted_sends_each_email_once_under_one_message_id(
    transactional_db, tmp_path
):
    count, hold_at = 24, 9
    handler = HoldingSMTPHandler(hold_at=hold_at)
    server = Controller(handler, hostname="127.0.0.1", port=free_port())
    server.start()
    queue = f"panitch-tests-kill-{uuid.uuid4().hex[:12]}"
    env = scenario_settings(tmp_path, smtp_port=server.port, queue=queue)
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    workers = []

    def log_tail():
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in logs if p.exists())

    try:
        setup = helper(env, "setup", str(count))
        expected = setup["decided"]
        assert len(expected) == count

        # The first worker releases, claims the batch, starts sending, and is killed while
        # the server holds message `hold_at` without having answered it.
        workers.append(start_worker_process(env, queue, logs[0]))
        assert handler.holding.wait(timeout=90), log_tail()
        accepted_before_kill = set(handler.accepted)
        assert len(accepted_before_kill) == hold_at - 1
        workers[0].send_signal(signal.SIGKILL)
        assert workers[0].wait(timeout=10) == -signal.SIGKILL
        handler.let_go.set()

        # The claim was committed before the first message: the rows say a worker has them
        # (sent rows are recorded in groups of OUTBOX_MARK_SENT_EVERY, so none is yet).
        after_kill = helper(env, "report")
        assert after_kill["releases"] == 1
        assert Counter(row[2] for row in after_kill["rows"]) == {"claimed": count}

        # A new worker, and beat's sweep taking back the dead worker's claims, finish the job.
        workers.append(start_worker_process(env, queue, logs[1]))
        helper(env, "beat", "90", timeout=120)
        assert wait_for(lambda: set(handler.accepted) >= set(setup_keys(after_kill)), timeout=30)
        # Sent rows are recorded in groups, a moment after the server's 250.
        assert wait_for(
            lambda: {row[2] for row in helper(env, "report")["rows"]} == {"sent"}, timeout=30
        )
        time.sleep(3)  # room for any further copy to show itself

        final = helper(env, "report")
        assert sorted(row[1] for row in final["rows"]) == sorted(expected)
        assert {(row[2], row[3]) for row in final["rows"]} == {("sent", 2)}
        # Everyone got their email; the only second copies are of messages the server had
        # accepted before the kill, and every copy of an email carries its row's Message-ID.
        assert set(handler.accepted) == set(setup_keys(final)), log_tail()
        twice = {key for key, n in handler.accepted.items() if n > 1}
        assert twice <= accepted_before_kill
        assert max(handler.accepted.values()) <= 2
        assert {key: handler.message_ids[key] for key in handler.accepted} == {
            key: {message_id} for key, _, _, _, message_id in final["rows"]
        }
        assert final["releases"] == 1
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
        handler.let_go.set()
        server.stop()
