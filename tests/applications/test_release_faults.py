"""Decision day under real faults, on PostgreSQL and Redis with real worker and beat
processes (as the Procfile runs them, each consuming the sends' queue and the sweep's):
two beats, a worker killed just after the mail server accepted a message, the mail server
down for "ten minutes" (at a hundredth of real time: OUTBOX_TIME_SCALE), a mail server that
accepts a connection and never answers, and a decision changed while the release runs.

These need row locks and a broker that separate processes share, which SQLite's in-memory
test database and the in-memory broker cannot give; CI runs them (DATABASE_URL and
CELERY_BROKER_URL point at PostgreSQL and Redis there).
"""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection

from applications import decisions
from applications.enums import ApplicationStatus, Decision, OfferStatus
from applications.models import Application, DecisionRelease
from panitch.models import OutboxEmail
from tests.applications.factories import decided_applications, edition_due_for_release
from tests.applications.helpers import wait_for
from tests.applications.test_release_worker import (
    ROOT,
    free_port,
    helper,
    scenario_settings,
    start_worker_process,
)
from tests.factories import UserFactory

MISSING = [
    name
    for name, present in [
        (
            "PostgreSQL (set DATABASE_URL=postgres://...)",
            "postgresql" in django_settings.DATABASES["default"]["ENGINE"],
        ),
        (
            "Redis (set CELERY_BROKER_URL=redis://...)",
            django_settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")),
        ),
    ]
    if not present
]
pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"needs {' and '.join(MISSING)}: row locks and a shared broker"
)

# Beat's jobs every second instead of every minute, run by the standard file-backed scheduler.
FAST_BEAT = {
    "CELERY_BEAT_SCHEDULER": "celery.beat:PersistentScheduler",
    "CELERY_BEAT_SCHEDULE": {
        "sweep": {"task": "panitch.tasks.outbox_sweep", "schedule": 1.0},
        "release": {"task": "applications.tasks.release_due", "schedule": 1.0},
    },
}


class RecordingHandler:
    """A mail server that accepts everything, recording each message's key and Message-ID;
    `on_accept(n)` is called after the n-th acceptance (on the server's event loop)."""

    def __init__(self, on_accept=None):
        self.lock = threading.Lock()
        self.accepted = Counter()
        self.message_ids = defaultdict(set)
        self.order = []
        self.last_at = None
        self.on_accept = on_accept

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content)
        key = message["X-Panitch-Email"]
        with self.lock:
            self.accepted[key] += 1
            self.message_ids[key].add(message["Message-ID"])
            self.order.append(key)
            self.last_at = time.monotonic()
            n = len(self.order)
        if self.on_accept:
            self.on_accept(n)
        return "250 Message accepted for delivery"

    def keys(self):
        with self.lock:
            return set(self.accepted)


class Processes:
    """Worker and beat processes of one scenario, stopped at the end whatever happens."""

    def __init__(self, tmp_path, env, queue):
        self.tmp_path, self.env, self.queue = tmp_path, env, queue
        self.running = []
        self.logs = []

    def worker(self, env=None):
        log = self.tmp_path / f"worker-{len(self.logs)}.log"
        self.logs.append(log)
        process = start_worker_process(env or self.env, self.queue, log)
        self.running.append(process)
        return process

    def beat(self):
        n = len(self.logs)
        log = self.tmp_path / f"beat-{n}.log"
        self.logs.append(log)
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "panitch",
                "beat",
                "--schedule",
                str(self.tmp_path / f"beat-{n}-schedule"),
                "--max-interval=1",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self.running.append(process)
        return process

    def tail(self):
        return "\n".join(f"--- {p.name}\n{p.read_text()[-2500:]}" for p in self.logs if p.exists())

    def stop(self):
        for process in self.running:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def scenario(transactional_db, tmp_path):
    """start(smtp_port, **settings) → Processes, with settings for every process of the run."""
    made = []

    def start(*, smtp_port, **extra):
        queue = f"panitch-tests-faults-{uuid.uuid4().hex[:12]}"
        env = scenario_settings(tmp_path, smtp_port=smtp_port, queue=queue, extra=extra)
        made.append(Processes(tmp_path, env, queue))
        return made[-1]

    yield start
    for processes in made:
        processes.stop()


@pytest.fixture
def mail_server():
    controllers = []

    def start(handler, port=None):
        controller = Controller(handler, hostname="127.0.0.1", port=port or free_port())
        controller.start()
        controllers.append(controller)
        return controller

    yield start
    for controller in controllers:
        with contextlib.suppress(Exception):  # already stopped
            controller.stop()


def report(env):
    return helper(env, "report")


def all_sent(env) -> bool:
    return {row[2] for row in report(env)["rows"]} == {"sent"}


def test_a_worker_killed_right_after_the_server_accepted_resends_under_the_same_message_id(
    scenario, mail_server
):
    count, kill_at = 30, 5
    state = {}

    def kill_the_worker(n):
        if n == kill_at:
            # Just after the 250: the worker dies before it can record the message as sent.
            asyncio.get_running_loop().call_later(0.05, os.kill, state["pid"], signal.SIGKILL)

    handler = RecordingHandler(on_accept=kill_the_worker)
    server = mail_server(handler)
    run = scenario(smtp_port=server.port, **FAST_BEAT)
    setup = helper(run.env, "setup", str(count))
    first = run.worker()
    state["pid"] = first.pid
    assert first.wait(timeout=90) == -signal.SIGKILL, run.tail()
    accepted_before_kill = handler.keys()

    run.worker()
    run.beat()
    assert wait_for(lambda: len(handler.keys()) == count, timeout=60), run.tail()
    # Sent rows are recorded in groups, a moment after the server's 250: wait for the record.
    assert wait_for(lambda: all_sent(run.env), timeout=60), run.tail()
    time.sleep(2)  # room for any further copy

    final = report(run.env)
    assert sorted(row[1] for row in final["rows"]) == sorted(setup["decided"])
    assert {row[2] for row in final["rows"]} == {"sent"}
    # At most one resend per email, only of what the server had accepted before the kill
    # went unrecorded, and always under the row's own Message-ID.
    assert max(handler.accepted.values()) <= 2
    assert {k for k, n in handler.accepted.items() if n > 1} <= accepted_before_kill
    assert {key: handler.message_ids[key] for key in handler.accepted} == {
        key: {message_id} for key, _, _, _, message_id in final["rows"]
    }
    assert final["releases"] == 1


def test_ten_minutes_without_a_mail_server_then_everyone_gets_their_email_once(
    scenario, mail_server
):
    # At a hundredth of real time: the backoff doubles from 0.3 s to a 3 s cap (5 minutes
    # unscaled), and ten minutes down is six seconds.
    count, scale = 40, 0.01
    port = free_port()  # nothing listens there yet: connections are refused
    run = scenario(smtp_port=port, OUTBOX_TIME_SCALE=scale, **FAST_BEAT)
    setup = helper(run.env, "setup-due", str(count))
    run.worker()
    run.beat()
    run.beat()  # a second beat, by mistake: still one release, one email each

    assert wait_for(lambda: report(run.env)["releases"] == 1, timeout=60), run.tail()
    time.sleep(600 * scale)
    during = report(run.env)
    assert {row[2] for row in during["rows"]} <= {"pending", "claimed"}
    assert min(row[3] for row in during["rows"]) >= 2  # every row was tried and refused

    handler = RecordingHandler()
    returned = time.monotonic()
    mail_server(handler, port=port)
    assert wait_for(lambda: len(handler.keys()) == count, timeout=60), run.tail()
    assert wait_for(lambda: all_sent(run.env), timeout=60), run.tail()
    time.sleep(2)

    final = report(run.env)
    assert sorted(row[1] for row in final["rows"]) == sorted(setup["decided"])
    assert {row[2] for row in final["rows"]} == {"sent"}  # nobody failed
    assert handler.accepted == Counter(dict.fromkeys(handler.accepted, 1))
    assert final["releases"] == 1
    print(
        f"server back → last email: {handler.last_at - returned:.1f} s at scale {scale} "
        f"(≤ {300 * scale:.0f} s cap plus sending)"
    )


class HungServer:
    """Accepts TCP connections and never says a word."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self):
        for conn in self.connections:
            conn.close()
        self.sock.close()


def test_a_row_held_by_a_worker_stuck_on_a_silent_server_is_taken_back_and_sent_by_another(
    scenario, mail_server, tmp_path
):
    hung = HungServer()
    handler = RecordingHandler()
    good = mail_server(handler)
    try:
        # The first worker talks to a server that never answers, with a long SMTP timeout:
        # it holds its claim, stuck. The claim times out after 3 s (scenario settings).
        stuck = scenario(smtp_port=hung.port, EMAIL_TIMEOUT=600, **FAST_BEAT)
        email = helper(stuck.env, "queue-one")
        stuck.worker()
        assert wait_for(
            lambda: report(stuck.env)["rows"][0][2] == "claimed" and hung.connections,
            timeout=60,
        ), stuck.tail()

        # Another worker, on the same queues, with a server that works; beat's sweep.
        other_env = {
            **stuck.env,
            "DJANGO_SETTINGS_MODULE": "other_settings",
        }
        (tmp_path / "other_settings.py").write_text(
            f"from scenario_settings import *  # noqa: F403\nEMAIL_PORT = {good.port}\n"
        )
        stuck.worker(env=other_env)
        stuck.beat()
        assert wait_for(lambda: handler.keys() == {email["key"]}, timeout=60), stuck.tail()
        time.sleep(1)

        final = report(stuck.env)
        key, to, status, attempts, message_id = final["rows"][0]
        assert (key, status, attempts) == (email["key"], "sent", 2)
        assert handler.message_ids == {key: {message_id}}
        assert handler.accepted == Counter({key: 1})
        row = OutboxEmail.objects.get()
        assert row.last_error.startswith("The claim by ")
        assert row.last_error.endswith(" expired; sending again with the same Message-ID.")
    finally:
        hung.close()


def test_a_decision_changed_while_the_release_runs_is_refused_or_included(transactional_db):
    edition = edition_due_for_release()
    decided = decided_applications(edition=edition, count=150)
    admin_user = UserFactory(role="Programme admin")
    # Unsuccessful applications changed to accepted at several moments of the release.
    targets = list(
        Application.objects.filter(edition=edition, decision=Decision.UNSUCCESSFUL).order_by("pk")[
            :4
        ]
    )
    outcomes = {}
    start = threading.Barrier(len(targets) + 1)

    def release():
        try:
            start.wait(timeout=10)
            time.sleep(0.02)  # so the first change may come just before the release
            decisions.decisions_release(edition=edition)
        finally:
            connection.close()

    def change(application, delay):
        try:
            start.wait(timeout=10)
            time.sleep(delay)
            decisions.decision_record(
                application=application, decision=Decision.ACCEPTED, by=admin_user
            )
            outcomes[application.pk] = "changed"
        except ValidationError as error:
            outcomes[application.pk] = error.messages[0]
        finally:
            connection.close()

    threads = [threading.Thread(target=release)] + [
        threading.Thread(target=change, args=(application, delay))
        for application, delay in zip(targets, [0.0, 0.05, 0.15, 0.4], strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == len(targets)
    print("decision changes during the release:", sorted(outcomes.values()))
    assert set(outcomes.values()) <= {
        "changed",
        "Decisions for this edition have been released and are frozen.",
    }
    # Whatever won, every applicant's one email matches the decision on record, and every
    # accepted applicant has an offer.
    assert DecisionRelease.objects.count() == 1
    applications = Application.objects.filter(
        edition=edition, status=ApplicationStatus.SUBMITTED
    ).select_related("applicant")
    kinds = dict(OutboxEmail.objects.filter(kind__startswith="decision_").values_list("to", "kind"))
    assert kinds == {a.applicant.email: f"decision_{a.decision}" for a in applications}
    assert len(kinds) == len(decided)
    assert {a.offer_status for a in applications if a.decision == Decision.ACCEPTED} == {
        OfferStatus.OFFERED
    }
