"""The outbox: one row per key, sent once, transient failures retried, permanent ones kept."""

import datetime as dt
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
