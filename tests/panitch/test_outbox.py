"""The outbox: one row per key, sent once, transient failures retried, permanent ones kept."""

import asyncio
import datetime as dt
import re
import socket
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction
from django.utils import timezone

from panitch import outbox
from panitch.celery import app as celery_app
from panitch.enums import EmailStatus
from panitch.models import OutboxEmail
from panitch.tasks import outbox_send


def queue_welcome(key="welcome:1", to="sam@example.org"):
    return outbox.queue(
        kind="outbox_test",
        to=to,
        key=key,
        template="outbox_test",
        context={"name": "Sam"},
    )


def test_queue_renders_the_templates_into_the_row(db, settings):
    settings.PANITCH_BASE_URL = "https://panitch.test"
    email = queue_welcome()

    assert email.subject == "Test email from Leo Panitch Leadership Programme"
    assert email.body_text.startswith("Hello Sam,\n\nThis is a test email")
    assert "https://panitch.test/" in email.body_text
    assert '<a href="https://panitch.test/"' in email.body_html
    assert (email.status, email.attempts, email.to) == (EmailStatus.PENDING, 0, "sam@example.org")


def test_plain_text_parts_are_not_html_escaped_but_the_html_part_is(db, settings):
    settings.PANITCH_PROGRAMME_NAME = "Rosa's <Programme>"
    email = outbox.queue(
        kind="outbox_test",
        to="sam@example.org",
        key="welcome:apostrophe",
        template="outbox_test",
        context={"name": "D'Andre <b>"},
    )

    assert email.subject == "Test email from Rosa's <Programme>"
    assert email.body_text.startswith("Hello D'Andre <b>,\n")
    assert "<p>Hello D&#x27;Andre &lt;b&gt;,</p>" in email.body_html


def test_same_key_twice_is_one_row_and_one_send(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = queue_welcome()
        second = queue_welcome()

    assert first.pk == second.pk
    assert OutboxEmail.objects.count() == 1
    assert len(callbacks) == 1


def test_nothing_is_enqueued_when_the_transaction_rolls_back(transactional_db):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_welcome()
        raise RuntimeError("the change that caused the email failed")

    assert OutboxEmail.objects.count() == 0
    assert mail.outbox == []


def test_send_task_run_twice_sends_once(db):
    email = queue_welcome()

    outbox_send.apply(kwargs={"email_ids": [email.pk]})
    outbox_send.apply(kwargs={"email_ids": [email.pk]})

    email.refresh_from_db()
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["sam@example.org"], "Test email from Leo Panitch Leadership Programme")
    ]
    assert (email.status, email.attempts) == (EmailStatus.SENT, 1)
    assert email.sent_at is not None
    assert mail.outbox[0].alternatives[0][1] == "text/html"
    assert mail.outbox[0].extra_headers["X-Panitch-Email"] == "welcome:1"


def test_resend_gives_a_failed_email_another_go(db):
    email = queue_welcome()
    OutboxEmail.objects.filter(pk=email.pk).update(
        status=EmailStatus.FAILED, attempts=6, last_error="SMTPDataError: 554"
    )
    email.refresh_from_db()

    outbox.resend(email=email)
    outbox.deliver(email_ids=[email.pk])

    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 1)
    assert len(mail.outbox) == 1


class ScriptedSMTPHandler:
    """A real SMTP server's handler that answers DATA with scripted replies, then accepts."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.accepted = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.replies:
                return self.replies.pop(0)
            self.accepted.append(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    servers = []

    def start(replies):
        handler = ScriptedSMTPHandler(replies)
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        servers.append(controller)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = controller.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 5
        return handler

    yield start
    for controller in servers:
        controller.stop()


def test_permanent_smtp_failure_is_marked_failed_with_its_error(db, smtp_server):
    handler = smtp_server(["550 5.1.1 Mailbox does not exist"])
    email = queue_welcome()

    retry = outbox.deliver(email_ids=[email.pk])

    email.refresh_from_db()
    assert retry == []
    assert (email.status, email.attempts) == (EmailStatus.FAILED, 1)
    assert email.last_error == "SMTPDataError: (550, b'5.1.1 Mailbox does not exist')"
    assert handler.accepted == []


def test_transient_failures_keep_being_retried_until_the_give_up_time(db, smtp_server, settings):
    settings.OUTBOX_GIVE_UP_AFTER_SECONDS = 3600
    smtp_server(["451 4.3.0 Try again later"] * 5)
    email = queue_welcome()
    start = timezone.now()

    assert outbox.deliver(email_ids=[email.pk]) == [email.pk]
    # Not due yet (1 s backoff in the tests): nobody may try it early.
    assert outbox.deliver(email_ids=[email.pk]) == []
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.PENDING, 1)
    assert email.first_failed_at >= start

    # Failing for longer than the give-up time: the next failure is final.
    OutboxEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now(), first_failed_at=start - dt.timedelta(hours=2)
    )
    assert outbox.deliver(email_ids=[email.pk]) == []

    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.FAILED, 2)
    assert email.last_error == "SMTPDataError: (451, b'4.3.0 Try again later')"


@pytest.fixture
def celery_worker_thread(transactional_db):
    """A real Celery worker (solo pool) in a thread, on the configured broker."""
    # Tasks left on the broker by earlier tests refer to rows that no longer exist.
    celery_app.control.purge()
    with start_worker(
        celery_app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10
    ) as worker:
        yield worker


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_worker_sends_a_committed_email_once(celery_worker_thread):
    with transaction.atomic():
        email = queue_welcome()
        queue_welcome()

    assert wait_for(lambda: OutboxEmail.objects.filter(status=EmailStatus.SENT).exists())
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 1)
    assert [m.to for m in mail.outbox] == [["sam@example.org"]]


def test_worker_retries_a_transient_smtp_failure_then_sends(celery_worker_thread, smtp_server):
    handler = smtp_server(["451 4.3.0 Mailbox busy, try again later"])
    with transaction.atomic():
        email = queue_welcome()

    assert wait_for(lambda: OutboxEmail.objects.filter(status=EmailStatus.SENT).exists())
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 2)
    assert email.last_error == "SMTPDataError: (451, b'4.3.0 Mailbox busy, try again later')"
    assert handler.accepted == [["sam@example.org"]]


def test_sweep_sends_what_was_never_enqueued(celery_worker_thread):
    # As if the broker was down when the transaction committed.
    email = OutboxEmail.objects.create(
        kind="outbox_test",
        to="sam@example.org",
        subject="Hello",
        body_text="Hello",
        idempotency_key="lost:1",
        next_attempt_at=timezone.now() - dt.timedelta(minutes=5),
    )

    assert outbox.sweep() == 1
    assert wait_for(lambda: OutboxEmail.objects.filter(status=EmailStatus.SENT).exists())
    email.refresh_from_db()
    assert email.attempts == 1
    assert [m.subject for m in mail.outbox] == ["Hello"]


class RecordingSMTPHandler:
    """Answers DATA with scripted replies, then accepts; keeps every message it was sent
    (accepted or not) and what the outbox row looked like, from another connection, while
    the message was on the wire."""

    def __init__(self, replies=(), watch=None):
        self.replies = list(replies)
        self.messages = []
        self.accepted = []
        self.row_during_send = []
        self.watch = watch
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        if self.watch:
            self.row_during_send.append(await asyncio.to_thread(self.watch))
        with self.lock:
            self.messages.append(message)
            if self.replies:
                return self.replies.pop(0)
            self.accepted.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture
def recording_server(settings):
    servers = []

    def start(**kwargs):
        handler = RecordingSMTPHandler(**kwargs)
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        servers.append(controller)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = controller.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 5
        return handler

    yield start
    for controller in servers:
        controller.stop()


def test_every_attempt_sends_the_message_id_fixed_when_queued(db, recording_server, settings):
    settings.OUTBOX_MESSAGE_ID_DOMAIN = "panitch.example.net"
    handler = recording_server(replies=["451 4.3.0 Try again later"])
    email = queue_welcome(key="welcome:message-id")
    assert email.message_id == outbox.message_id_for("welcome:message-id")
    assert re.fullmatch(r"<[0-9a-f]{40}@panitch\.example\.net>", email.message_id)

    assert outbox.deliver(email_ids=[email.pk]) == [email.pk]
    OutboxEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    assert outbox.deliver(email_ids=[email.pk]) == []

    assert [m["Message-ID"] for m in handler.messages] == [email.message_id] * 2
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 2)


def test_the_claim_is_committed_before_the_mail_server_is_contacted(
    transactional_db, recording_server
):
    email = queue_welcome(key="welcome:claim")

    def row():
        from django.db import connection

        try:
            return tuple(
                OutboxEmail.objects.filter(pk=email.pk).values_list("status", "claimed_by")[0]
            )
        finally:
            connection.close()

    handler = recording_server(watch=row)
    outbox.deliver(email_ids=[email.pk])

    [(status, claimed_by)] = handler.row_during_send
    assert status == EmailStatus.CLAIMED
    assert claimed_by.startswith(f"{socket.gethostname()}:")
    email.refresh_from_db()
    assert (email.status, email.claimed_by, email.claimed_at) == (EmailStatus.SENT, "", None)


def test_an_attachment_arrives_with_the_message(db, recording_server):
    handler = recording_server()
    invitation = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    email = outbox.queue(
        kind="session_reminder",
        to="sam@example.org",
        key="session_reminder:1",
        subject="Your session tomorrow",
        text="See you there.",
        attachments=[
            {"filename": "session.ics", "mimetype": "text/calendar", "content": invitation}
        ],
    )

    outbox.deliver(email_ids=[email.pk])

    [message] = handler.accepted
    [part] = list(message.iter_attachments())
    assert (part.get_filename(), part.get_content_type()) == ("session.ics", "text/calendar")
    assert part.get_content().replace("\r\n", "\n") == invitation.replace("\r\n", "\n")
    assert message.get_body(("plain",)).get_content().strip() == "See you there."


def test_the_sweep_takes_back_an_expired_claim_and_leaves_a_live_one(db, settings):
    settings.OUTBOX_CLAIM_TIMEOUT_SECONDS = 140
    now = timezone.now()
    dead, live = (queue_welcome(key=f"welcome:{name}") for name in ("dead", "live"))
    OutboxEmail.objects.filter(pk=dead.pk).update(
        status=EmailStatus.CLAIMED, claimed_by="w1:42:abc", claimed_at=now - dt.timedelta(minutes=3)
    )
    OutboxEmail.objects.filter(pk=live.pk).update(
        status=EmailStatus.CLAIMED, claimed_by="w2:43:def", claimed_at=now - dt.timedelta(minutes=1)
    )

    assert outbox.take_back_expired_claims(at=now) == [dead.pk]

    dead.refresh_from_db()
    live.refresh_from_db()
    assert (dead.status, dead.claimed_by, dead.next_attempt_at) == (EmailStatus.PENDING, "", now)
    assert dead.last_error == (
        "The claim by w1:42:abc expired; sending again with the same Message-ID."
    )
    assert (live.status, live.claimed_by) == (EmailStatus.CLAIMED, "w2:43:def")


def test_backoff_doubles_to_five_minutes_for_decisions_and_thirty_for_the_rest(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 30
    settings.OUTBOX_TIME_SCALE = 1.0

    def minutes(kind):
        return [outbox.backoff(n, kind=kind).total_seconds() / 60 for n in range(1, 9)]

    assert minutes("decision_accepted") == [0.5, 1, 2, 4, 5, 5, 5, 5]
    assert minutes("offer_reminder") == [0.5, 1, 2, 4, 5, 5, 5, 5]
    assert minutes("reference_request") == [0.5, 1, 2, 4, 8, 16, 30, 30]


def test_a_row_is_never_claimed_twice_at_once(db):
    email = queue_welcome(key="welcome:once")

    token, claimed = outbox.claim(email_ids=[email.pk])
    again, none = outbox.claim(email_ids=[email.pk])

    assert ([e.pk for e in claimed], none) == ([email.pk], [])
    assert token != again


def test_programme_admins_are_warned_when_emails_fail_for_fifteen_minutes(
    db, settings, recording_server, celery_eager, client, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    fallback = recording_server()  # the second server, for the warning only
    settings.EMAIL_FALLBACK = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": settings.EMAIL_PORT,
    }
    settings.EMAIL_PORT = free_port()  # the main server is down: connections are refused
    admin_user = UserFactory(role="Programme admin", email="pat.admin@example.org")
    reviewer = UserFactory(role="Reviewer", email="rosa.reviewer@example.org")
    email = queue_welcome(key="welcome:outage")
    outbox.deliver(email_ids=[email.pk])
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.PENDING, 1)

    # Fourteen minutes of failing: no warning yet.
    OutboxEmail.objects.filter(pk=email.pk).update(
        first_failed_at=timezone.now() - dt.timedelta(minutes=14)
    )
    outbox.sweep()
    assert outbox.failing_banner() is None
    assert fallback.accepted == []

    # Sixteen: a banner for programme admins, and one email each by the fallback server.
    OutboxEmail.objects.filter(pk=email.pk).update(
        first_failed_at=timezone.now() - dt.timedelta(minutes=16)
    )
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            outbox.sweep()
    assert [m["To"] for m in fallback.accepted] == ["pat.admin@example.org"]
    assert fallback.accepted[0]["Subject"] == (
        "Emails from Leo Panitch Leadership Programme are failing: 1 waiting to be sent"
    )
    banner = "Emails are failing: 1 email has not gone out"
    client.force_login(admin_user)
    assert banner in client.get("/admin/").content.decode()
    assert banner in client.get("/").content.decode()
    client.force_login(reviewer)
    assert banner not in client.get("/admin/").content.decode()

    # The server is back: the email goes out, and the banner goes with the next sweep.
    settings.EMAIL_PORT = settings.EMAIL_FALLBACK["EMAIL_PORT"]
    OutboxEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    outbox.deliver(email_ids=[email.pk])
    outbox.sweep()
    assert outbox.failing_banner() is None
    client.force_login(admin_user)
    assert banner not in client.get("/admin/").content.decode()


def settings_under(**environment):
    """The base settings as a process with this environment reads them."""
    import json
    import os
    import subprocess
    import sys

    script = (
        "import json, panitch.settings.base as s; print(json.dumps({"
        "'db': s.DATABASES['default'].get('OPTIONS', {}), "
        "'transport': getattr(s, 'CELERY_BROKER_TRANSPORT_OPTIONS', {}), "
        "'acks_late': s.CELERY_TASK_ACKS_LATE, 'lost': s.CELERY_TASK_REJECT_ON_WORKER_LOST, "
        "'routes': s.CELERY_TASK_ROUTES, 'claim': s.OUTBOX_CLAIM_TIMEOUT_SECONDS}))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_postgres_connections_keep_alive_and_time_out_held_transactions():
    read = settings_under(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/panitch_x",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/9",
        EMAIL_TIMEOUT="30",
    )

    assert read["db"] == {
        "connect_timeout": 10,
        "keepalives": 1,
        "keepalives_idle": 60,
        "keepalives_interval": 10,
        "keepalives_count": 5,
        "options": "-c statement_timeout=120000 -c idle_in_transaction_session_timeout=300000",
    }
    # A killed worker's tasks come back: acknowledged late, rejected when the worker is lost,
    # and Redis hands an unacknowledged task on after 15 minutes, not the default hour.
    assert read["transport"] == {"visibility_timeout": 900}
    assert (read["acks_late"], read["lost"]) == (True, True)
    assert read["routes"] == {"panitch.tasks.outbox_sweep": {"queue": "outbox-sweep"}}
    assert read["claim"] == 150


def test_sqlite_gets_no_postgres_options():
    read = settings_under(DATABASE_URL="sqlite:////tmp/panitch-settings-test.sqlite3")

    assert read["db"] == {"timeout": 20, "transaction_mode": "IMMEDIATE"}


def test_a_refused_recipient_fails_alone_and_the_batch_goes_on(db, recording_server):
    handler = recording_server()
    emails = [
        queue_welcome(key=f"welcome:batch:{n}", to=f"person{n}@example.org") for n in range(3)
    ]
    # One of them is refused at RCPT (a mailbox that does not exist).
    handler_rcpt = "550 5.1.1 Mailbox does not exist"

    async def handle_RCPT(server, session, envelope, address, rcpt_options):
        if address == "person1@example.org":
            return handler_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    handler.handle_RCPT = handle_RCPT

    assert outbox.deliver(email_ids=[e.pk for e in emails]) == []

    assert sorted(m["To"] for m in handler.accepted) == [
        "person0@example.org",
        "person2@example.org",
    ]
    statuses = dict(OutboxEmail.objects.values_list("to", "status"))
    assert statuses == {
        "person0@example.org": EmailStatus.SENT,
        "person1@example.org": EmailStatus.FAILED,
        "person2@example.org": EmailStatus.SENT,
    }


def test_the_outbox_list_costs_the_same_queries_for_three_rows_or_thirty(db, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import UserFactory

    client.force_login(UserFactory(role="Programme admin"))

    def queries_for(rows):
        for n in range(OutboxEmail.objects.count(), rows):
            queue_welcome(key=f"welcome:list:{n}", to=f"person{n}@example.org")
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/admin/panitch/outboxemail/")
        assert page.content.decode().count('class="field-kind"') == rows
        return len(queries)

    assert queries_for(3) == queries_for(30)
