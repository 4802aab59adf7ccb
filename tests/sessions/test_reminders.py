"""Session reminders: who gets which, when, exactly once; the rescheduled email once per change.

The first tests run the sweep in-process at chosen moments (`at=`); the last ones run beat's
task through real Celery workers: fired twice, with a session moved, and with the worker
killed mid-send and restarted.
"""

import datetime as dt
import json
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import vobject
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cohorts.enums import ParticipantStatus
from panitch.models import OutboxEmail, User
from sessions.enums import Format, Part
from sessions.notifications import queue_rescheduled
from sessions.reminders import reminders_send_due
from sessions.tasks import session_reminders
from tests.applications import test_release_worker as worker_scenario
from tests.applications.helpers import wait_for
from tests.cohorts.factories import CohortFactory
from tests.factories import UserFactory
from tests.sessions.reminder_factories import SessionFactory, WeekendSessionFactory, participant

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
START = dt.datetime(2031, 9, 15, 18, 30, tzinfo=LONDON)


@pytest.fixture
def cohort(db):
    facilitator = UserFactory(email="fac@example.org", first_name="Fola")
    cohort = CohortFactory(
        facilitators=[facilitator],
        name="Leeds",
        venue_city="Leeds",
        venue_name="Leeds Trades Club",
        venue_address="2 Union Street",
        edition__year=2031,
    )
    participant(cohort=cohort, email="ana@example.org", first_name="Ana")
    participant(cohort=cohort, email="ben@example.org", first_name="Ben")
    return cohort


@pytest.fixture
def session(cohort):
    return SessionFactory(cohort=cohort, starts_at=START, title="Winnable campaigns")


def recipients(kind):
    return sorted(OutboxEmail.objects.filter(kind=kind).values_list("to", flat=True))


def people_pks():
    return set(User.objects.filter(email__in=everyone()).values_list("pk", flat=True))


def everyone():
    return ["ana@example.org", "ben@example.org", "fac@example.org"]


def move(session, *, to):
    """What sched's session_update does when a time changes: save, sequence up, then tell."""
    before = session.starts_at, session.ends_at
    session.starts_at, session.ends_at = to, to + dt.timedelta(hours=2)
    session.sequence += 1
    session.save()
    return queue_rescheduled(
        session=session, previous_starts_at=before[0], previous_ends_at=before[1]
    )


def events(email):
    (attachment,) = email.attachments
    assert attachment["mimetype"] == "text/calendar; method=PUBLISH"
    return vobject.readOne(attachment["content"]).vevent_list


def test_online_session_reminded_two_days_and_two_hours_before_once_each(session):
    assert reminders_send_due(at=START - dt.timedelta(days=2, minutes=1)) == 0
    assert reminders_send_due(at=START - dt.timedelta(days=2)) == 3
    assert reminders_send_due(at=START - dt.timedelta(days=2) + dt.timedelta(minutes=5)) == 0
    assert reminders_send_due(at=START - dt.timedelta(hours=2, minutes=-3)) == 3
    assert reminders_send_due(at=START - dt.timedelta(hours=1, minutes=30)) == 0

    assert recipients("session_reminder_2d") == everyone()
    assert recipients("session_reminder_2h") == everyone()
    email = OutboxEmail.objects.get(kind="session_reminder_2h", to="ana@example.org")
    assert email.subject == "In two hours: Winnable campaigns, Mon 15 Sep, 18:30"
    assert "Hello Ana," in email.body_text
    assert "Monday 15 September 2031, 18:30–20:30 (UK time), online." in email.body_text
    assert "Join here: https://meet.example.org/panitch-session" in email.body_text
    (event,) = events(email)
    assert event.uid.value == f"session-{session.pk}@127.0.0.1"
    assert event.dtstart.value.astimezone(UTC) == dt.datetime(2031, 9, 15, 17, 30, tzinfo=UTC)
    assert event.url.value == "https://meet.example.org/panitch-session"


def test_a_late_sweep_within_the_grace_window_still_reminds(session):
    assert reminders_send_due(at=START - dt.timedelta(days=1, hours=1)) == 3
    assert reminders_send_due(at=START - dt.timedelta(hours=1, minutes=1)) == 3


def test_a_point_long_past_is_not_sent_late(session):
    # Between the end of the two-day window (a day before) and the two-hour point: nothing.
    assert reminders_send_due(at=START - dt.timedelta(hours=23)) == 0
    assert reminders_send_due(at=START - dt.timedelta(hours=3)) == 0
    assert reminders_send_due(at=START - dt.timedelta(minutes=50)) == 0
    assert reminders_send_due(at=START + dt.timedelta(minutes=10)) == 0
    assert OutboxEmail.objects.count() == 0


def test_a_person_added_after_a_point_gets_it_only_within_the_grace_window(session, cohort):
    reminders_send_due(at=START - dt.timedelta(days=2))
    participant(cohort=cohort, email="cat@example.org")
    assert reminders_send_due(at=START - dt.timedelta(days=1, hours=12)) == 1
    participant(cohort=cohort, email="dan@example.org")
    assert reminders_send_due(at=START - dt.timedelta(hours=12)) == 0
    assert recipients("session_reminder_2d") == [
        "ana@example.org",
        "ben@example.org",
        "cat@example.org",
        "fac@example.org",
    ]


def test_no_reminders_for_to_be_confirmed_cancelled_or_withdrawn(cohort):
    SessionFactory(cohort=cohort, starts_at=None, ends_at=None)
    SessionFactory(cohort=cohort, starts_at=START, cancelled_at=START - dt.timedelta(days=9))
    withdrawn = participant(cohort=cohort, email="gone@example.org")
    withdrawn.status = ParticipantStatus.WITHDRAWN
    withdrawn.save(update_fields=["status"])
    live = SessionFactory(cohort=cohort, starts_at=START + dt.timedelta(minutes=30))

    assert reminders_send_due(at=START + dt.timedelta(minutes=30) - dt.timedelta(days=2)) == 3
    assert set(OutboxEmail.objects.values_list("idempotency_key", flat=True)) == {
        f"session_reminder_2d:{live.pk}:20310915T180000Z:{pk}" for pk in people_pks()
    }


def test_a_shared_session_reminds_every_cohort_and_its_own_facilitator(cohort):
    other = CohortFactory(edition=cohort.edition, name="London")
    participant(cohort=other, email="zed@example.org")
    guest = UserFactory(email="guest@example.org")
    SessionFactory(
        cohort=None,
        edition=cohort.edition,
        part=Part.CLOSING,
        starts_at=START,
        facilitators=[guest],
    )
    assert reminders_send_due(at=START - dt.timedelta(days=2)) == 5
    assert recipients("session_reminder_2d") == [
        "ana@example.org",
        "ben@example.org",
        "fac@example.org",
        "guest@example.org",
        "zed@example.org",
    ]


def test_the_closing_day_is_reminded_as_one_day_not_session_by_session(cohort):
    day = dt.datetime(2031, 11, 22, 10, tzinfo=LONDON)
    titles = ["Socialist strategy", "Project report-back", "What next"]
    for hours, title in zip([0, 2, 4], titles, strict=True):
        SessionFactory(
            cohort=None,
            edition=cohort.edition,
            part=Part.CLOSING,
            title=title,
            starts_at=day + dt.timedelta(hours=hours),
            ends_at=day + dt.timedelta(hours=hours + 1, minutes=30),
            joining_url=f"https://meet.example.org/closing-{hours}",
        )

    assert reminders_send_due(at=day - dt.timedelta(days=2)) == 3
    assert reminders_send_due(at=day - dt.timedelta(hours=2)) == 3
    # Under way: the later sessions' own two-hour points send nothing.
    assert reminders_send_due(at=day + dt.timedelta(minutes=1)) == 0
    assert reminders_send_due(at=day + dt.timedelta(hours=2, minutes=-90)) == 0

    email = OutboxEmail.objects.get(kind="session_reminder_2d", to="ana@example.org")
    assert email.subject == "In two days: the online closing day, Sat 22 Nov, 10:00"
    assert (
        "10:00–11:30  Socialist strategy\nJoin here: https://meet.example.org/closing-0"
        in email.body_text
    )
    assert (
        "14:00–15:30  What next\nJoin here: https://meet.example.org/closing-4" in email.body_text
    )
    assert [e.summary.value for e in events(email)] == titles
    assert [e.dtstart.value.astimezone(UTC).hour for e in events(email)] == [10, 12, 14]


def test_weekend_reminded_a_week_before_with_venue_times_travel_and_accommodation(cohort):
    first_day = dt.datetime(2031, 8, 9, 10, tzinfo=LONDON)
    titles = ["Class politics", "Power-mapping", "Collective care"]
    for hours, title in zip([0, 4, 24], titles, strict=True):
        WeekendSessionFactory(
            cohort=cohort,
            title=title,
            starts_at=first_day + dt.timedelta(hours=hours),
            ends_at=first_day + dt.timedelta(hours=hours + 2),
        )
    SessionFactory(cohort=cohort, starts_at=first_day + dt.timedelta(days=30))

    assert reminders_send_due(at=first_day - dt.timedelta(days=7, minutes=1)) == 0
    assert reminders_send_due(at=first_day - dt.timedelta(days=7)) == 3
    assert reminders_send_due(at=first_day - dt.timedelta(days=6)) == 0

    assert recipients("session_reminder_weekend") == everyone()
    email = OutboxEmail.objects.get(kind="session_reminder_weekend", to="ben@example.org")
    assert email.subject == "In a week: the Leeds weekend, 9 August, Leeds"
    text = email.body_text
    assert "Leeds Trades Club\n2 Union Street\nLeeds" in text
    assert "Saturday 9 August\n  10:00–12:00  Class politics\n  14:00–16:00  Power-mapping" in text
    assert "Sunday 10 August\n  10:00–12:00  Collective care" in text
    assert "Your travel to the venue is covered if you need it." in text
    assert "longer than 2.5 hours and no other accommodation is available" in text
    assert "Claim travel (and accommodation, where it is covered) after the weekend" in text
    assert [e.summary.value for e in events(email)] == titles
    facilitator_email = OutboxEmail.objects.get(
        kind="session_reminder_weekend", to="fac@example.org"
    )
    assert "2.5 hours" not in facilitator_email.body_text


def test_rescheduled_email_once_per_change_and_no_reminder_for_the_old_time(session):
    assert reminders_send_due(at=START - dt.timedelta(days=2)) == 3
    new_start = START + dt.timedelta(days=1)

    assert move(session, to=new_start) == 3
    assert (
        queue_rescheduled(session=session, previous_starts_at=START, previous_ends_at=START) == 0
    )  # the same change told twice: nothing more
    assert recipients("session_rescheduled") == everyone()
    email = OutboxEmail.objects.get(kind="session_rescheduled", to="ana@example.org")
    assert email.subject == "New time: Winnable campaigns, Tue 16 Sep, 18:30"
    assert "It was Monday 15 September 2031, 18:30–20:30. It is now:" in email.body_text
    (event,) = events(email)
    assert (event.sequence.value, event.dtstart.value.astimezone(UTC)) == (
        "1",
        dt.datetime(2031, 9, 16, 17, 30, tzinfo=UTC),
    )

    # At the old two-hour point nothing goes out for the old time; the new time's own
    # two-day reminder (its point was 22 hours ago, within its window) does.
    assert reminders_send_due(at=START - dt.timedelta(hours=2)) == 3
    assert not OutboxEmail.objects.filter(kind="session_reminder_2h").exists()
    assert set(
        OutboxEmail.objects.filter(kind="session_reminder_2d").values_list(
            "idempotency_key", flat=True
        )
    ) == {
        f"session_reminder_2d:{session.pk}:{start}:{pk}"
        for start in ["20310915T173000Z", "20310916T173000Z"]
        for pk in people_pks()
    }
    # The new time has its own reminders.
    assert reminders_send_due(at=new_start - dt.timedelta(hours=2)) == 3
    assert set(
        OutboxEmail.objects.filter(kind="session_reminder_2h").values_list(
            "idempotency_key", flat=True
        )
    ) == {f"session_reminder_2h:{session.pk}:20310916T173000Z:{pk}" for pk in people_pks()}

    # Moved back again: a second change, told once more.
    assert move(session, to=START) == 3
    assert OutboxEmail.objects.filter(kind="session_rescheduled").count() == 6


def test_a_to_be_confirmed_session_given_a_date_tells_everyone(cohort):
    session = SessionFactory(cohort=cohort, starts_at=None, ends_at=None, title="Free session")
    assert move(session, to=START) == 3
    email = OutboxEmail.objects.get(kind="session_rescheduled", to="fac@example.org")
    assert email.subject == "Date set: Free session, Mon 15 Sep, 18:30"
    assert '"Free session" was to be confirmed. It now has a date:' in email.body_text


def test_sweep_query_count_does_not_grow_with_participants_or_cohorts(db):
    def sweep_queries(cohorts, per_cohort, *, start):
        edition = CohortFactory().edition
        for c in range(cohorts):
            cohort = CohortFactory(edition=edition, facilitators=[UserFactory()])
            for p in range(per_cohort):
                participant(cohort=cohort, email=f"p{edition.pk}-{c}-{p}@example.org")
            SessionFactory(cohort=cohort, starts_at=start, format=Format.ONLINE)
            WeekendSessionFactory(cohort=cohort, starts_at=start + dt.timedelta(days=5))
        with CaptureQueriesContext(connection) as queries:
            queued = reminders_send_due(at=start - dt.timedelta(days=2))
        assert queued == cohorts * (per_cohort + 1) * 2
        # Finding what is due, and checking what exists, is a fixed number of statements; the
        # rows themselves are inserted in batches the database's parameter limit sets (SQLite's
        # is low: 40 rows take two INSERTs there, one on PostgreSQL).
        return sum(1 for q in queries if not q["sql"].startswith("INSERT"))

    small = sweep_queries(1, 2, start=START)
    assert small == sweep_queries(4, 6, start=START + dt.timedelta(days=60))


# With real Celery workers


def delivered():
    """(recipient, subject) of every message the worker delivered, sorted."""
    return sorted((m.to[0], m.subject) for m in mail.outbox)


def soon(**delta):
    """A London time `delta` from now, to the minute."""
    return (
        (timezone.now() + dt.timedelta(**delta)).astimezone(LONDON).replace(second=0, microsecond=0)
    )


def test_beat_firing_twice_sends_each_reminder_once_through_the_worker(
    celery_worker_thread, tasks, cohort
):
    session = SessionFactory(cohort=cohort, title="Winnable campaigns", starts_at=soon(days=2))

    first, second = session_reminders.delay(), session_reminders.delay()

    assert wait_for(lambda: len(mail.outbox) >= 3 and tasks.idle(), timeout=30), tasks.failed
    late = session_reminders.delay()
    assert wait_for(lambda: tasks.ran(first, second, late) and tasks.idle(), timeout=30)
    assert tasks.failed == []
    subject = f"In two days: Winnable campaigns, {session.starts_at:%a %-d %b, %H:%M}"
    assert delivered() == [(to, subject) for to in everyone()]
    message = mail.outbox[0]
    ((filename, content, mimetype),) = message.attachments
    assert (filename, mimetype) == ("session.ics", "text/calendar; method=PUBLISH")
    assert vobject.readOne(content).vevent.uid.value == f"session-{session.pk}@127.0.0.1"


def test_a_moved_session_sends_one_rescheduled_email_per_change_and_no_old_reminder(
    celery_worker_thread, tasks, cohort
):
    # Its two-hour reminder is due now; the time changes before beat gets to it.
    session = SessionFactory(cohort=cohort, title="Winnable campaigns", starts_at=soon(hours=2))
    later = soon(days=5)
    with transaction.atomic():
        move(session, to=later)
    with transaction.atomic():  # the same change told again adds nothing
        queue_rescheduled(session=session, previous_starts_at=None, previous_ends_at=None)
    session_reminders.delay()
    session_reminders.delay()

    assert wait_for(lambda: len(mail.outbox) >= 3 and tasks.idle(), timeout=30), tasks.failed
    subject = f"New time: Winnable campaigns, {later:%a %-d %b, %H:%M}"
    assert delivered() == [(to, subject) for to in everyone()]

    with transaction.atomic():
        move(session, to=later + dt.timedelta(hours=1))
    assert wait_for(lambda: len(mail.outbox) >= 6 and tasks.idle(), timeout=30), tasks.failed
    late = session_reminders.delay()
    assert wait_for(lambda: tasks.ran(late) and tasks.idle(), timeout=30)
    assert tasks.failed == []
    assert Counter(m.subject.split(":")[0] for m in mail.outbox) == {"New time": 6}
    assert not OutboxEmail.objects.filter(kind__startswith="session_reminder").exists()


# The worker killed in the middle of sending the reminders, then restarted. As in
# tests/applications/test_release_worker.py, the worker is a separate process sharing this
# test's database and broker; small helper processes set up, report and play beat.

HELPER = textwrap.dedent(
    """
    import datetime as dt, json, sys, time
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from panitch import outbox
    from panitch.models import OutboxEmail
    from sessions.tasks import session_reminders

    command = sys.argv[1]
    if command == "setup":
        if connection.vendor == "sqlite":
            call_command("migrate", verbosity=0)
        from tests.cohorts.factories import CohortFactory
        from tests.factories import UserFactory
        from tests.sessions.reminder_factories import SessionFactory, participant
        cohort = CohortFactory(facilitators=[UserFactory(email="fac@example.org")])
        for n in range(int(sys.argv[2])):
            participant(cohort=cohort, email=f"p{n:02}@example.org")
        starts = (timezone.now() + dt.timedelta(days=2)).replace(second=0, microsecond=0)
        SessionFactory(cohort=cohort, starts_at=starts)
        session_reminders.delay()
    elif command == "report":
        rows = OutboxEmail.objects.order_by("pk").values_list(
            "idempotency_key", "to", "status", "attempts"
        )
        print(json.dumps({"rows": list(rows)}))
    elif command == "beat":
        # Beat after the restart, compressed: the reminder sweep fires again, and the outbox
        # sweep takes back the dead worker's claims (the scenario's claim timeout is seconds).
        session_reminders.delay()
        deadline = time.monotonic() + float(sys.argv[2])
        while time.monotonic() < deadline:
            if not OutboxEmail.objects.exclude(status="sent").exists():
                break
            outbox.sweep()
            time.sleep(2)
        session_reminders.delay()
    """
)


def helper(env, *args, timeout=60):
    result = subprocess.run(
        [sys.executable, "-c", HELPER, *args],
        cwd=worker_scenario.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else None


def test_a_worker_killed_mid_send_and_restarted_sends_each_reminder_exactly_once(
    transactional_db, tmp_path
):
    participants, hold_at = 11, 5
    count = participants + 1  # and the facilitator
    handler = worker_scenario.HoldingSMTPHandler(hold_at=hold_at)
    server = Controller(handler, hostname="127.0.0.1", port=worker_scenario.free_port())
    server.start()
    queue = f"panitch-tests-remind-kill-{uuid.uuid4().hex[:12]}"
    env = worker_scenario.scenario_settings(tmp_path, smtp_port=server.port, queue=queue)
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    workers = []

    def log_tail():
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in logs if p.exists())

    try:
        helper(env, "setup", str(participants))
        workers.append(worker_scenario.start_worker_process(env, queue, logs[0]))
        assert handler.holding.wait(timeout=90), log_tail()
        workers[0].send_signal(signal.SIGKILL)
        assert workers[0].wait(timeout=10) == -signal.SIGKILL
        handler.let_go.set()

        # The dead worker had claimed its whole batch before talking to the server.
        after_kill = Counter(status for *_, status, _ in helper(env, "report")["rows"])
        assert after_kill == {"claimed": count}
        accepted_before_kill = set(handler.accepted)
        assert len(accepted_before_kill) == hold_at - 1

        workers.append(worker_scenario.start_worker_process(env, queue, logs[1]))
        helper(env, "beat", "90", timeout=120)
        assert wait_for(lambda: sum(handler.accepted.values()) >= count, timeout=30), log_tail()
        # Sent rows are recorded in groups, a moment after the server's 250.
        assert wait_for(
            lambda: {row[2] for row in helper(env, "report")["rows"]} == {"sent"}, timeout=30
        ), log_tail()
        time.sleep(3)  # room for any duplicate to show itself

        rows = helper(env, "report")["rows"]
        assert sorted(to for _, to, _, _ in rows) == sorted(
            [f"p{n:02}@example.org" for n in range(participants)] + ["fac@example.org"]
        )
        # One row per person, sent on the second attempt (the first died with its worker).
        assert {(status, attempts) for *_, status, attempts in rows} == {("sent", 2)}
        assert {key.split(":")[0] for key, *_ in rows} == {"session_reminder_2d"}
        # Everyone got the reminder; the only second copies are of messages the server had
        # accepted before the kill, and every copy carries its row's single Message-ID.
        assert set(handler.accepted) == {key for key, *_ in rows}, log_tail()
        assert {key for key, n in handler.accepted.items() if n > 1} <= accepted_before_kill
        assert max(handler.accepted.values()) <= 2
        assert all(len(handler.message_ids[key]) == 1 for key in handler.accepted)
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
