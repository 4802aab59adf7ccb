""" "Save and come back later" keeps a half-finished step; only a complete step counts as done."""

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from applications import services
from applications.models import Application
from applications.tasks import remind_drafts
from panitch import outbox as panitch_outbox
from panitch.enums import EmailStatus
from panitch.models import OutboxEmail
from tests.applications.conftest import STEP_DATA
from tests.applications.factories import ApplicationFactory
from tests.applications.helpers import field_errors, outbox, wait_for
from tests.factories import EditionFactory, UserFactory

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def save_for_later(client, slug, data):
    return client.post(f"/apply/{slug}/", {**data, "save_and_exit": "1"})


def test_a_half_finished_step_saved_for_later_keeps_what_was_typed(signed_in, open_edition):
    response = save_for_later(
        signed_in,
        "project",
        {"project_title": "Harehills renters' school", "project_description": "Monthly sessions."},
    )

    assert response["Location"] == "/application/"
    application = Application.objects.get()
    assert (
        application.project_title,
        application.project_description,
        application.project_kind,
        application.project_success,
        application.completed_steps,
    ) == ("Harehills renters' school", "Monthly sessions.", "", "", [])
    page = signed_in.get("/apply/project/").content.decode()
    assert 'value="Harehills renters&#x27; school"' in page
    assert "\nMonthly sessions.</textarea>" in page
    assert signed_in.get("/apply/")["Location"] == "/apply/about/"


def test_markup_typed_into_a_draft_is_kept_as_text_and_shown_escaped(signed_in, open_edition):
    save_for_later(signed_in, "experience", {"experience": "<b>x</b>"})

    assert Application.objects.get().experience == "<b>x</b>"
    page = signed_in.get("/apply/experience/").content.decode()
    assert "\n&lt;b&gt;x&lt;/b&gt;</textarea>" in page
    assert "<b>x</b>" not in page


def test_a_draft_save_still_rejects_an_answer_that_is_there_and_wrong(signed_in, open_edition):
    response = save_for_later(signed_in, "about", {"first_name": "Sam", "postcode": "not a code"})

    assert response.status_code == 400
    assert field_errors(response.content.decode(), "postcode") == [
        "Enter a UK postcode, for example LS1 4AP."
    ]
    assert Application.objects.count() == 0


def test_save_and_continue_still_requires_the_whole_step(signed_in, open_edition):
    response = signed_in.post("/apply/project/", {"project_title": "Renters' school"})

    assert response.status_code == 400
    assert field_errors(response.content.decode(), "project_description") == [
        "This field is required."
    ]
    assert Application.objects.count() == 0


def test_a_done_step_saved_half_finished_needs_finishing_again(signed_in, open_edition, fill_in):
    fill_in("about", "project")

    save_for_later(signed_in, "project", {**STEP_DATA["project"], "project_success": ""})

    application = Application.objects.get()
    assert (application.project_success, application.completed_steps) == ("", ["about"])
    assert signed_in.get("/apply/")["Location"] == "/apply/membership/"


def test_half_named_referees_are_kept_in_a_draft(signed_in, open_edition):
    save_for_later(
        signed_in,
        "referees",
        {"referee1-name": "Ada Referee", "referee1-email": "ref.one@example.org"},
    )

    application = Application.objects.get()
    assert [(r.position, r.name, r.email, r.organisation) for r in application.referees.all()] == [
        (1, "Ada Referee", "ref.one@example.org", "")
    ]
    assert application.completed_steps == []
    assert OutboxEmail.objects.count() == 0


def test_a_submitted_application_is_never_half_saved(signed_in, submitted):
    response = save_for_later(signed_in, "project", {"project_title": "Only a title now"})

    assert response.status_code == 400
    submitted.refresh_from_db()
    assert submitted.project_title == "Harehills renters' political education series"


# Reminders to people with an unsubmitted draft


@pytest.fixture
def closes(open_edition):
    return open_edition.applications_close_at


@pytest.fixture
def draft(open_edition, closes):
    applicant = UserFactory(first_name="Jess", email="jess@example.org")
    return ApplicationFactory(
        edition=open_edition,
        applicant=applicant,
        status="draft",
        submitted_at=None,
        completed_steps=["about", "membership"],
        created_at=closes - 20 * DAY,
    )


def backdate(application, created_at):
    Application.objects.filter(pk=application.pk).update(created_at=created_at)


def test_a_draft_is_reminded_seven_days_and_one_day_before_closing_once_each(draft, closes):
    backdate(draft, closes - 20 * DAY)

    sent = [
        services.send_draft_reminders(at=closes - 7 * DAY - HOUR),
        services.send_draft_reminders(at=closes - 7 * DAY + HOUR),
        services.send_draft_reminders(at=closes - 7 * DAY + 2 * HOUR),
        services.send_draft_reminders(at=closes - DAY + HOUR),
        services.send_draft_reminders(at=closes - HOUR),
        services.send_draft_reminders(at=closes + HOUR),
    ]

    assert sent == [0, 1, 0, 1, 0, 0]
    assert outbox("draft_reminder") == [
        ("jess@example.org", f"draft_reminder:{draft.pk}:1"),
        ("jess@example.org", f"draft_reminder:{draft.pk}:7"),
    ]


def test_the_draft_reminder_says_when_it_closes_and_what_is_left(draft, closes):
    backdate(draft, closes - 20 * DAY)
    services.send_draft_reminders(at=closes - DAY + HOUR)

    email = OutboxEmail.objects.get(kind="draft_reminder")
    close_text = f"{timezone.localtime(closes):%H:%M on %A %-d %B %Y}"
    assert email.subject == "Your application closes tomorrow: Leo Panitch Leadership Programme"
    assert email.body_text.splitlines()[:5] == [
        "Dear Jess,",
        "",
        f"You started an application to the Leo Panitch Leadership Programme "
        f"{draft.edition.name} but have not submitted it yet. Applications close at "
        f"{close_text}, and 6 parts of the form still need finishing.",
        "",
        "Your answers so far are saved. Carry on where you left off:",
    ]
    assert "http://127.0.0.1:8000/apply/" in email.body_text


def test_submitted_and_withdrawn_applications_get_no_draft_reminder(open_edition, closes):
    for status in ("submitted", "withdrawn"):
        application = ApplicationFactory(edition=open_edition, status=status)
        backdate(application, closes - 20 * DAY)

    assert services.send_draft_reminders(at=closes - DAY + HOUR) == 0


def test_a_draft_started_after_the_seven_day_point_gets_only_the_one_day_reminder(draft, closes):
    backdate(draft, closes - 3 * DAY)

    assert services.send_draft_reminders(at=closes - 3 * DAY + HOUR) == 0
    assert services.send_draft_reminders(at=closes - DAY + HOUR) == 1
    assert outbox("draft_reminder") == [("jess@example.org", f"draft_reminder:{draft.pk}:1")]


def test_the_draft_reminder_task_run_twice_by_a_worker_sends_it_once(celery_worker_thread):
    now = timezone.now()
    edition = EditionFactory(
        applications_open_at=now - 20 * DAY,
        applications_close_at=now + 7 * DAY - HOUR,
        reference_deadline=now + 14 * DAY,
    )
    draft = ApplicationFactory(
        edition=edition,
        applicant=UserFactory(email="jess@example.org"),
        status="draft",
        submitted_at=None,
    )
    backdate(draft, now - 10 * DAY)

    remind_drafts.delay()
    remind_drafts.delay()
    # Queued after both runs: once it is sent, the worker has finished them.
    with transaction.atomic():
        panitch_outbox.queue(
            kind="outbox_test",
            to="marker@example.org",
            key="marker",
            template="outbox_test",
            context={"name": "Marker"},
        )

    assert wait_for(lambda: OutboxEmail.objects.filter(status=EmailStatus.SENT).count() == 2)
    assert list(
        OutboxEmail.objects.filter(kind="draft_reminder").values_list(
            "to", "idempotency_key", "status", "attempts"
        )
    ) == [("jess@example.org", f"draft_reminder:{draft.pk}:7", EmailStatus.SENT, 1)]
    reminders = [m.subject for m in mail.outbox if m.to == ["jess@example.org"]]
    assert reminders == ["Your application closes in 7 days: Leo Panitch Leadership Programme"]


def test_the_draft_reminders_run_on_the_beat(settings):
    assert settings.CELERY_BEAT_SCHEDULE["applications: remind people with a draft"] == {
        "task": "applications.tasks.remind_drafts",
        "schedule": 900.0,
    }
