"""Submitting, changing after submission, the deadline, and withdrawing."""

import datetime as dt

from django.utils import timezone

from applications.models import Application, Referee
from panitch.models import OutboxEmail
from tests.applications.conftest import STEP_DATA
from tests.applications.helpers import outbox, recipients, reference_link


def close_applications(edition):
    """Move the edition's application window into the past; references are still due."""
    now = timezone.now()
    type(edition).objects.filter(pk=edition.pk).update(
        applications_open_at=now - dt.timedelta(days=30),
        applications_close_at=now - dt.timedelta(hours=1),
    )


# Submission


def test_submit_queues_the_confirmation_and_one_request_per_referee(
    signed_in, open_edition, fill_in
):
    fill_in()

    response = signed_in.post("/apply/review/", follow=True)

    application = Application.objects.get()
    assert application.status == "submitted"
    assert application.submitted_at is not None
    assert recipients("application_received") == ["sam@example.org"]
    assert recipients("reference_request") == ["ref.one@example.org", "ref.two@example.org"]
    referees = {r.email: r for r in application.referees.all()}
    assert outbox("reference_request") == [
        ("ref.one@example.org", f"reference_request:{referees['ref.one@example.org'].pk}"),
        ("ref.two@example.org", f"reference_request:{referees['ref.two@example.org'].pk}"),
    ]
    assert all(r.requested_at is not None for r in referees.values())
    page = response.content.decode()
    assert response.redirect_chain == [("/application/", 302)]
    assert (
        "Your application is submitted. We have emailed you a confirmation and asked your "
        "referees for their references."
    ) in page
    assert f"Submitted on {timezone.localtime(application.submitted_at):%-d %B %Y}" in page
    assert "References received: 0/2" in page


def test_the_confirmation_email_names_the_reference_and_the_referees(submitted):
    email = OutboxEmail.objects.get(kind="application_received")

    assert email.subject == "We have your application to the Leo Panitch Leadership Programme"
    assert f"Your application reference is {submitted.reference_number}." in email.body_text
    assert "- Ada Referee\n- Ben Referee\n" in email.body_text


def test_the_reference_request_has_the_referees_personal_link(submitted):
    email = OutboxEmail.objects.get(kind="reference_request", to="ref.one@example.org")
    referee = submitted.referees.get(email="ref.one@example.org")

    assert email.subject == "Sam Okafor has asked you for a reference"
    assert f"http://127.0.0.1:8000/reference/{referee.token}/" in email.body_text
    assert email.body_text.startswith("Dear Ada Referee,\n")


def test_submitting_twice_sends_each_email_once(signed_in, open_edition, fill_in):
    fill_in()

    signed_in.post("/apply/review/")
    first_submitted_at = Application.objects.get().submitted_at
    response = signed_in.post("/apply/review/")

    assert response["Location"] == "/application/"
    assert recipients("application_received") == ["sam@example.org"]
    assert recipients("reference_request") == ["ref.one@example.org", "ref.two@example.org"]
    assert OutboxEmail.objects.count() == 3
    assert Application.objects.get().submitted_at == first_submitted_at


def test_submitting_with_missing_steps_lists_them_and_changes_nothing(
    signed_in, open_edition, fill_in
):
    fill_in("about", "project", "referees", "equality")

    response = signed_in.post("/apply/review/", follow=True)

    assert response.redirect_chain == [("/apply/review/", 302)]
    page = response.content.decode()
    assert (
        "Please complete these parts first: Membership, Your organising, Availability, "
        "Travel and access, Privacy and consent."
    ) in page
    assert "Some parts are not finished yet:" in page
    assert 'disabled aria-disabled="true">Submit my application' in page
    application = Application.objects.get()
    assert (application.status, application.submitted_at) == ("draft", None)
    assert OutboxEmail.objects.count() == 0
    assert Referee.objects.filter(requested_at__isnull=False).count() == 0


def test_the_review_page_shows_every_answer(signed_in, open_edition, fill_in):
    fill_in()

    page = signed_in.get("/apply/review/").content.decode()

    assert "<dt>Name</dt><dd>Sam Okafor</dd>" in page
    assert "<dt>Postcode</dt><dd>LS1 4AP</dd>" in page
    assert "<dt>Region</dt><dd>Yorkshire and the Humber</dd>" in page
    assert "<dd>Local Momentum group, Tenants&#x27; union or housing group</dd>" in page
    assert "<dt>Title</dt><dd>Harehills renters&#x27; political education series</dd>" in page
    assert "<dt>In-person weekend</dt><dd>Either weekend</dd>" in page
    assert "<dt>Journey to London</dt><dd>More than 2½ hours</dd>" in page
    assert "Ada Referee, Secretary, Leeds Momentum (ref.one@example.org)" in page
    assert "Ben Referee, Branch chair, Unite (ref.two@example.org, 0113 496 0000)" in page
    assert "(privacy notice version 2021-1)" in page
    assert "Some parts are not finished yet" not in page
    assert ">Submit my application</button>" in page


# Changing a submitted application before the deadline


def test_a_change_after_submission_keeps_it_submitted(signed_in, submitted):
    response = signed_in.post(
        "/apply/project/", {**STEP_DATA["project"], "project_title": "Harehills renters' school"}
    )

    assert response["Location"] == "/apply/availability/"
    submitted.refresh_from_db()
    assert (submitted.status, submitted.project_title) == (
        "submitted",
        "Harehills renters' school",
    )
    assert OutboxEmail.objects.count() == 3
    assert "Your application is submitted. You can still change it until" in (
        signed_in.get("/apply/project/").content.decode()
    )


def test_replacing_a_referee_asks_the_new_one_once_and_retires_the_old_link(
    client, signed_in, submitted
):
    old = submitted.referees.get(email="ref.two@example.org")
    old_link = reference_link("reference_request", "ref.two@example.org")
    new_referee = {
        **STEP_DATA["referees"],
        "referee2-name": "Cleo Referee",
        "referee2-email": "cleo@example.org",
    }

    signed_in.post("/apply/referees/", new_referee)
    signed_in.post("/apply/referees/", new_referee)

    old.refresh_from_db()
    assert old.replaced_at is not None
    new = submitted.referees.get(replaced_at__isnull=True, position=2)
    assert (new.name, new.email) == ("Cleo Referee", "cleo@example.org")
    assert new.requested_at is not None
    assert recipients("reference_request") == [
        "cleo@example.org",
        "ref.one@example.org",
        "ref.two@example.org",
    ]
    assert outbox("reference_request")[0] == ("cleo@example.org", f"reference_request:{new.pk}")
    submitted.refresh_from_db()
    assert submitted.status == "submitted"

    client.logout()
    response = client.get(old_link)
    assert response.status_code == 410
    assert "This reference is no longer needed" in response.content.decode()
    assert client.get(reference_link("reference_request", "cleo@example.org")).status_code == 200


def test_changing_only_a_referees_phone_sends_nothing_new(signed_in, submitted):
    referee = submitted.referees.get(position=1)

    signed_in.post("/apply/referees/", {**STEP_DATA["referees"], "referee1-phone": "0161 496 0123"})

    referee.refresh_from_db()
    assert (referee.phone, referee.replaced_at) == ("0161 496 0123", None)
    assert submitted.referees.count() == 2
    assert OutboxEmail.objects.count() == 3


def test_changing_the_case_of_a_referees_email_is_not_a_new_referee(signed_in, submitted):
    signed_in.post(
        "/apply/referees/", {**STEP_DATA["referees"], "referee1-email": "Ref.One@example.org"}
    )

    assert submitted.referees.count() == 2
    assert recipients("reference_request") == ["ref.one@example.org", "ref.two@example.org"]


def test_replacing_a_referee_in_a_draft_asks_nobody(signed_in, open_edition, fill_in):
    fill_in("referees")
    fill_in("referees", referees={"referee1-email": "dee@example.org"})

    application = Application.objects.get()
    assert sorted((r.email, r.replaced_at is None) for r in application.referees.all()) == [
        ("dee@example.org", True),
        ("ref.one@example.org", False),
        ("ref.two@example.org", True),
    ]
    assert OutboxEmail.objects.count() == 0


# The deadline


def test_after_the_deadline_the_form_shows_the_closed_page(signed_in, open_edition):
    close_applications(open_edition)

    response = signed_in.get("/apply/about/")

    page = response.content.decode()
    assert '<h1 class="h2">Applications are closed</h1>' in page
    assert f"Applications for {open_edition.name} closed at" in page
    assert "Your draft was not submitted" not in page
    assert Application.objects.count() == 0


def test_after_the_deadline_a_draft_cannot_be_submitted_and_its_owner_is_told_why(
    signed_in, open_edition, fill_in
):
    fill_in()
    close_applications(open_edition)

    response = signed_in.post("/apply/review/")

    page = response.content.decode()
    assert "Applications are closed" in page
    assert (
        "Your draft was not submitted before the deadline, so it can no longer be submitted."
        in (" ".join(page.split()))
    )
    application = Application.objects.get()
    assert (application.status, application.submitted_at) == ("draft", None)
    assert OutboxEmail.objects.count() == 0
    assert "Your draft was not submitted before the deadline" in " ".join(
        signed_in.get("/apply/").content.decode().split()
    )


def test_after_the_deadline_a_step_cannot_be_saved(signed_in, open_edition, fill_in):
    fill_in("about")
    close_applications(open_edition)

    response = signed_in.post("/apply/about/", {**STEP_DATA["about"], "phone": "07700 900999"})

    assert "Applications are closed" in response.content.decode()
    assert Application.objects.get().phone == "07700 900123"


def test_the_dashboard_says_an_unsubmitted_draft_closed(signed_in, open_edition, fill_in):
    fill_in("about")
    close_applications(open_edition)

    page = signed_in.get("/application/").content.decode()

    assert "Closed: this draft was not submitted before the deadline" in page
    assert "Carry on with your application" not in page
    assert "Start your application" not in page


def test_the_dashboard_keeps_a_submitted_application_submitted_after_the_deadline(
    signed_in, submitted
):
    close_applications(submitted.edition)

    page = signed_in.get("/application/").content.decode()

    assert f"Submitted on {timezone.localtime(submitted.submitted_at):%-d %B %Y}" in page
    assert "View or change your application" not in page


# Withdrawing


def test_withdraw_asks_for_confirmation_first(signed_in, submitted):
    page = signed_in.get("/apply/withdraw/").content.decode()

    assert "Withdraw your application?" in page
    assert "Yes, withdraw my application</button>" in page
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_withdrawing_stops_the_references_and_closes_the_form(client, signed_in, submitted):
    links = [
        reference_link("reference_request", "ref.one@example.org"),
        reference_link("reference_request", "ref.two@example.org"),
    ]

    response = signed_in.post("/apply/withdraw/", follow=True)

    submitted.refresh_from_db()
    assert (submitted.status, submitted.withdrawn_at is not None) == ("withdrawn", True)
    page = response.content.decode()
    assert "Your application is withdrawn. We will not consider it." in page
    assert f"Withdrawn on {timezone.localtime(submitted.withdrawn_at):%-d %B %Y}" in page
    assert signed_in.get("/apply/")["Location"] == "/application/"
    assert signed_in.get("/apply/about/")["Location"] == "/application/"
    assert signed_in.get("/apply/review/")["Location"] == "/application/"
    assert signed_in.get("/apply/withdraw/")["Location"] == "/application/"

    client.logout()
    for link in links:
        response = client.get(link)
        assert response.status_code == 410
        assert "This reference is no longer needed" in response.content.decode()


def test_a_withdrawn_application_cannot_be_changed_by_posting_a_step(signed_in, submitted):
    signed_in.post("/apply/withdraw/")

    response = signed_in.post(
        "/apply/project/", {**STEP_DATA["project"], "project_title": "Something new"}
    )

    assert response["Location"] == "/application/"
    submitted.refresh_from_db()
    assert submitted.project_title == "Harehills renters' political education series"


def test_a_draft_can_be_withdrawn(signed_in, open_edition, fill_in):
    fill_in("about")

    signed_in.post("/apply/withdraw/")

    application = Application.objects.get()
    assert application.status == "withdrawn"
    assert OutboxEmail.objects.count() == 0
