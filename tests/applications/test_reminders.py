"""Referees who have not answered are reminded 7 and 2 days before the deadline, once each."""

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from applications import services
from applications.tasks import remind_referees
from panitch import outbox as panitch_outbox
from panitch.enums import EmailStatus
from panitch.models import OutboxEmail
from tests.applications.factories import ReferenceFactory, application_with_referees
from tests.applications.helpers import outbox, wait_for
from tests.factories import EditionFactory, UserFactory

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@pytest.fixture
def deadline(open_edition):
    return open_edition.reference_deadline


@pytest.fixture
def application(open_edition):
    """Submitted, both referees asked now; the first has answered, the second has not."""
    applicant = UserFactory(first_name="Sam", last_name="Okafor", email="sam@example.org")
    return application_with_referees(edition=open_edition, applicant=applicant, references=1)


@pytest.fixture
def silent(application):
    return application.referees.get(position=2)


def test_seven_days_before_the_deadline_the_silent_referee_is_reminded_once(
    application, silent, deadline
):
    assert services.send_reference_reminders(at=deadline - 7 * DAY + HOUR) == 1
    assert services.send_reference_reminders(at=deadline - 7 * DAY + 2 * HOUR) == 0
    assert services.send_reference_reminders(at=deadline - 3 * DAY) == 0

    assert outbox("reference_reminder") == [
        (silent.email, f"reference_reminder:{silent.pk}:7"),
    ]


def test_nothing_is_sent_before_the_seven_day_point(application, deadline):
    assert services.send_reference_reminders(at=deadline - 7 * DAY - HOUR) == 0
    assert OutboxEmail.objects.count() == 0


def test_the_two_day_reminder_goes_once(application, silent, deadline):
    services.send_reference_reminders(at=deadline - 7 * DAY + HOUR)

    assert services.send_reference_reminders(at=deadline - 2 * DAY + HOUR) == 1
    assert services.send_reference_reminders(at=deadline - 2 * DAY + HOUR) == 0
    assert services.send_reference_reminders(at=deadline - HOUR) == 0

    assert outbox("reference_reminder") == [
        (silent.email, f"reference_reminder:{silent.pk}:2"),
        (silent.email, f"reference_reminder:{silent.pk}:7"),
    ]


def test_nothing_is_sent_after_the_deadline(application, deadline):
    assert services.send_reference_reminders(at=deadline + HOUR) == 0
    assert OutboxEmail.objects.count() == 0


def test_the_reminder_has_the_referees_link_and_the_days_left(application, silent, deadline):
    services.send_reference_reminders(at=deadline - 7 * DAY + HOUR)

    email = OutboxEmail.objects.get(kind="reference_reminder")
    assert email.subject == "Reminder: Sam Okafor's reference is due in 7 days"
    assert email.body_text.startswith(f"Dear {silent.name},\n")
    assert f"http://127.0.0.1:8000/reference/{silent.token}/" in email.body_text


def test_referees_who_answered_or_declined_get_no_reminder(application, silent, deadline):
    ReferenceFactory(referee=silent, declined=True, commitment="", examples="")

    sent = [
        services.send_reference_reminders(at=deadline - 7 * DAY + HOUR),
        services.send_reference_reminders(at=deadline - 2 * DAY + HOUR),
    ]

    assert sent == [0, 0]
    assert OutboxEmail.objects.count() == 0


def test_a_replaced_referee_gets_no_reminder(application, silent, deadline):
    silent.replaced_at = timezone.now()
    silent.save(update_fields=["replaced_at"])

    sent = [
        services.send_reference_reminders(at=deadline - 7 * DAY + HOUR),
        services.send_reference_reminders(at=deadline - 2 * DAY + HOUR),
    ]

    assert sent == [0, 0]


def test_referees_of_a_withdrawn_application_get_no_reminder(application, deadline):
    services.application_withdraw(application=application, by=application.applicant)

    sent = [
        services.send_reference_reminders(at=deadline - 7 * DAY + HOUR),
        services.send_reference_reminders(at=deadline - 2 * DAY + HOUR),
    ]

    assert sent == [0, 0]
    assert OutboxEmail.objects.count() == 0


def test_referees_of_a_draft_get_no_reminder(open_edition, deadline):
    application_with_referees(edition=open_edition, status="draft", submitted_at=None)

    assert services.send_reference_reminders(at=deadline - 2 * DAY + HOUR) == 0


def test_a_referee_asked_after_the_seven_day_point_gets_only_the_two_day_reminder(
    application, silent, deadline
):
    silent.requested_at = deadline - 5 * DAY
    silent.save(update_fields=["requested_at"])

    sent = [
        services.send_reference_reminders(at=deadline - 7 * DAY + HOUR),
        services.send_reference_reminders(at=deadline - 5 * DAY + HOUR),
        services.send_reference_reminders(at=deadline - 2 * DAY + HOUR),
        services.send_reference_reminders(at=deadline - HOUR),
    ]

    assert sent == [0, 0, 1, 0]
    assert outbox("reference_reminder") == [
        (silent.email, f"reference_reminder:{silent.pk}:2"),
    ]


def test_a_referee_asked_after_the_two_day_point_gets_no_reminder(application, silent, deadline):
    silent.requested_at = deadline - DAY
    silent.save(update_fields=["requested_at"])

    assert services.send_reference_reminders(at=deadline - HOUR) == 0


def test_a_missed_seven_day_run_sends_only_the_two_day_reminder(application, silent, deadline):
    assert services.send_reference_reminders(at=deadline - 2 * DAY + HOUR) == 1

    assert outbox("reference_reminder") == [
        (silent.email, f"reference_reminder:{silent.pk}:2"),
    ]


def test_each_referee_is_reminded_against_their_own_editions_deadline(open_edition, deadline):
    later = EditionFactory(reference_deadline=deadline + 3 * DAY)
    here = application_with_referees(edition=open_edition)
    there = application_with_referees(edition=later)

    services.send_reference_reminders(at=deadline - 7 * DAY + HOUR)

    assert sorted(OutboxEmail.objects.values_list("to", flat=True)) == sorted(
        here.referees.values_list("email", flat=True)
    )
    assert there.referees.filter(email__in=OutboxEmail.objects.values("to")).count() == 0


# The periodic task, through a real Celery worker


def test_the_task_run_twice_by_a_worker_sends_each_reminder_once(celery_worker_thread):
    now = timezone.now()
    # The 7-day point passed an hour ago; the 2-day point is days away.
    edition = EditionFactory(reference_deadline=now + 7 * DAY - HOUR)
    application = application_with_referees(edition=edition)
    application.referees.update(requested_at=now - 3 * DAY)
    referees = sorted(application.referees.all(), key=lambda r: r.email)

    remind_referees.delay()
    remind_referees.delay()
    # Queued after both runs: once it is sent, the worker has finished them.
    with transaction.atomic():
        panitch_outbox.queue(
            kind="outbox_test",
            to="marker@example.org",
            key="marker",
            template="outbox_test",
            context={"name": "Marker"},
        )

    assert wait_for(lambda: OutboxEmail.objects.filter(status=EmailStatus.SENT).count() == 3)
    assert sorted(
        OutboxEmail.objects.filter(kind="reference_reminder").values_list(
            "to", "idempotency_key", "status", "attempts"
        )
    ) == [(r.email, f"reference_reminder:{r.pk}:7", EmailStatus.SENT, 1) for r in referees]
    reminders = [m for m in mail.outbox if m.to != ["marker@example.org"]]
    assert sorted(m.to[0] for m in reminders) == [r.email for r in referees]
    assert {m.subject for m in reminders} == {
        f"Reminder: {application.applicant.get_full_name()}'s reference is due in 7 days"
    }
