"""Decision day: release blocked until every submitted application is decided, warnings to
programme admins, one outcome email per applicant at the release time (never twice), the
manual early release, editable outcome emails with preview and test, and the release admin."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format

from applications import decisions
from applications.models import Application, DecisionRelease, OutcomeEmail
from panitch.models import OutboxEmail
from tests.applications.factories import ApplicationFactory, application_with_referees
from tests.applications.helpers import outbox
from tests.factories import EditionFactory, UserFactory

PROGRAMME = "Leo Panitch Leadership Programme"
MINUTE = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)


def person(first, last):
    return UserFactory(
        first_name=first, last_name=last, email=f"{first.lower()}.{last.lower()}@example.org"
    )


@pytest.fixture
def release_at(open_edition):
    return open_edition.decisions_release_at


@pytest.fixture
def field(open_edition, programme_admin_user):
    """Three decided applications (one of each decision), a draft and a withdrawn one."""
    applications = {
        "accepted": application_with_referees(
            edition=open_edition, applicant=person("Amina", "Begum"), references=2
        ),
        "waitlisted": application_with_referees(
            edition=open_edition, applicant=person("Bryn", "Davies"), references=2
        ),
        "unsuccessful": application_with_referees(
            edition=open_edition, applicant=person("Cara", "Doyle"), references=1
        ),
    }
    for decision, application in applications.items():
        decisions.decision_record(
            application=application, decision=decision, by=programme_admin_user
        )
    applications["draft"] = ApplicationFactory(
        edition=open_edition, applicant=person("Dev", "Patel"), status="draft", submitted_at=None
    )
    applications["withdrawn"] = ApplicationFactory(
        edition=open_edition, applicant=person("Eve", "Shaw"), status="withdrawn"
    )
    return applications


def outcome_emails():
    return sorted(
        OutboxEmail.objects.filter(kind__startswith="decision_").values_list(
            "to", "kind", "subject", "idempotency_key"
        )
    )


def expected_outcome_emails(edition, field):
    key = f"decision:{edition.pk}"
    return [
        (
            "amina.begum@example.org",
            "decision_accepted",
            f"You have a place on the {PROGRAMME} {edition.name}",
            f"{key}:{field['accepted'].pk}",
        ),
        (
            "bryn.davies@example.org",
            "decision_waitlisted",
            f"Your application to the {PROGRAMME} {edition.name}",
            f"{key}:{field['waitlisted'].pk}",
        ),
        (
            "cara.doyle@example.org",
            "decision_unsuccessful",
            f"Your application to the {PROGRAMME} {edition.name}",
            f"{key}:{field['unsuccessful'].pk}",
        ),
    ]


# Blocked until every submitted application has a decision


def test_release_is_blocked_while_a_submitted_application_has_no_decision(open_edition, field):
    undecided = [application_with_referees(edition=open_edition) for _ in range(2)]

    with pytest.raises(decisions.ReleaseBlocked) as blocked:
        decisions.decisions_release(edition=open_edition)

    assert blocked.value.missing == undecided
    assert blocked.value.messages == [
        "2 submitted application(s) have no decision yet: "
        f"{undecided[0].reference_number}, {undecided[1].reference_number}."
    ]
    assert DecisionRelease.objects.count() == 0
    assert OutboxEmail.objects.count() == 0
    assert set(Application.objects.values_list("offer_status", flat=True)) == {""}


def test_release_due_before_the_release_time_does_nothing(open_edition, field, release_at):
    assert decisions.release_due(at=release_at - MINUTE) == []

    assert DecisionRelease.objects.count() == 0
    assert OutboxEmail.objects.count() == 0


# At the release time


def test_at_the_release_time_every_submitted_applicant_gets_one_outcome_email(
    open_edition, field, release_at, django_capture_on_commit_callbacks, celery_eager
):
    with django_capture_on_commit_callbacks(execute=True):
        released = decisions.release_due(at=release_at)

    assert [r.edition for r in released] == [open_edition]
    release = DecisionRelease.objects.get()
    assert (release.released_at, release.released_by, release.emails_queued) == (
        release_at,
        None,
        3,
    )
    assert outcome_emails() == expected_outcome_emails(open_edition, field)
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        (to, subject) for to, _, subject, _ in expected_outcome_emails(open_edition, field)
    ]
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"sent"}


def test_the_outcome_emails_say_the_right_thing(open_edition, field, release_at):
    decisions.decisions_release(edition=open_edition, at=release_at)

    accepted = OutboxEmail.objects.get(kind="decision_accepted")
    deadline = timezone.localtime(open_edition.offer_response_deadline)
    assert accepted.body_text.startswith(
        f"Hello Amina,\n\nWe are delighted to offer you a place on the {PROGRAMME} "
        f"{open_edition.name}.\n"
    )
    assert f"by {deadline:%H:%M} on {deadline:%A %-d %B %Y}, and tell us" in accepted.body_text
    assert "http://127.0.0.1:8000/application/offer/\n" in accepted.body_text
    assert 'href="http://127.0.0.1:8000/application/offer/"' in accepted.body_html
    waitlisted = OutboxEmail.objects.get(kind="decision_waitlisted")
    assert "but you are on our waiting list." in waitlisted.body_text
    unsuccessful = OutboxEmail.objects.get(kind="decision_unsuccessful")
    assert "we are sorry that we cannot offer you one this year." in unsuccessful.body_text


def test_release_opens_the_offers_of_accepted_applicants(open_edition, field, release_at):
    decisions.decisions_release(edition=open_edition, at=release_at)

    offers = {
        a.pk: (a.offer_status, a.offered_at, a.offer_deadline) for a in Application.objects.all()
    }
    assert offers[field["accepted"].pk] == (
        "offered",
        release_at,
        open_edition.offer_response_deadline,
    )
    for name in ("waitlisted", "unsuccessful", "draft", "withdrawn"):
        assert offers[field[name].pk] == ("", None, None)


def test_drafts_and_withdrawn_applications_get_nothing_even_with_a_decision(
    open_edition, field, release_at, programme_admin_user
):
    # Decided, then withdrawn before release.
    late = application_with_referees(edition=open_edition, applicant=person("Fay", "Quinn"))
    decisions.decision_record(application=late, decision="accepted", by=programme_admin_user)
    Application.objects.filter(pk=late.pk).update(status="withdrawn")

    decisions.decisions_release(edition=open_edition, at=release_at)

    recipients = [to for to, *_ in outcome_emails()]
    assert recipients == [
        "amina.begum@example.org",
        "bryn.davies@example.org",
        "cara.doyle@example.org",
    ]
    assert Application.objects.get(pk=late.pk).offer_status == ""


def test_release_twice_and_release_due_twice_queue_nothing_more(
    open_edition, field, release_at, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        first = decisions.release_due(at=release_at)
        again = decisions.release_due(at=release_at + MINUTE)
        manual = decisions.decisions_release(edition=open_edition, at=release_at + 2 * MINUTE)
        manual_again = decisions.decisions_release(edition=open_edition)

    assert len(first) == 1
    assert again == []
    assert manual == manual_again == first[0]
    assert DecisionRelease.objects.count() == 1
    assert outcome_emails() == expected_outcome_emails(open_edition, field)
    assert len(callbacks) == 1  # one delivery task for the three emails, enqueued once


def test_release_due_releases_each_due_edition_and_only_those(
    open_edition, field, release_at, programme_admin_user
):
    later = EditionFactory(year=open_edition.year + 1)
    decisions.decision_record(
        application=application_with_referees(edition=later),
        decision="accepted",
        by=programme_admin_user,
    )

    released = decisions.release_due(at=release_at)

    assert [r.edition for r in released] == [open_edition]
    assert len(outcome_emails()) == 3


# Warnings about missing decisions


@pytest.fixture
def admins(programme_admin_user):
    second = UserFactory(role="Programme admin", email="kim.admin@example.org")
    UserFactory(role="Programme admin", email="gone.admin@example.org", is_active=False)
    UserFactory(role="Reviewer", email="rosa.reviewer@example.org")
    return [programme_admin_user, second]


def test_admins_are_warned_once_before_and_once_at_release_time(
    open_edition, field, release_at, admins
):
    missing = [application_with_referees(edition=open_edition) for _ in range(2)]
    numbers = [a.reference_number for a in missing]
    ed = open_edition.pk

    ahead = decisions.WARN_DAYS_BEFORE * DAY  # three days
    decisions.release_due(at=release_at - ahead - MINUTE)
    assert outbox("decisions_missing") == []

    for at in (release_at - ahead, release_at - 2 * DAY, release_at - DAY, release_at - MINUTE):
        decisions.release_due(at=at)
    assert outbox("decisions_missing") == sorted(
        (admin.email, f"decisions_missing:{ed}:before:{admin.pk}") for admin in admins
    )
    before = OutboxEmail.objects.filter(kind="decisions_missing").first()
    assert before.subject == f"Decisions for {open_edition.name} are not complete: 2 missing"
    assert before.body_text.startswith(f"Decisions for {open_edition.name} are due to go out at ")
    assert "but they will be held back: 2 submitted applications still have no decision." in (
        before.body_text
    )
    assert f"- {numbers[0]}\n- {numbers[1]}\n" in before.body_text
    assert (
        "http://127.0.0.1:8000/admin/applications/application/"
        f"?edition__id__exact={ed}&status__exact=submitted&decision=none"
    ) in before.body_text

    for at in (release_at, release_at + MINUTE, release_at + 2 * MINUTE):
        assert decisions.release_due(at=at) == []
    at_release = OutboxEmail.objects.filter(idempotency_key__contains=":at-release:")
    assert sorted(at_release.values_list("to", "idempotency_key")) == sorted(
        (admin.email, f"decisions_missing:{ed}:at-release:{admin.pk}") for admin in admins
    )
    assert {e.subject for e in at_release} == {
        f"Decisions for {open_edition.name} are held back: 2 missing"
    }
    assert at_release[0].body_text.startswith(
        f"It is decision time for {open_edition.name}, but the outcome emails have not gone "
        "out: 2 submitted applications still have no decision."
    )
    assert OutboxEmail.objects.count() == 4
    assert DecisionRelease.objects.count() == 0


def test_release_happens_as_soon_as_the_missing_decisions_are_recorded(
    open_edition, field, release_at, admins, programme_admin_user
):
    missing = application_with_referees(edition=open_edition, applicant=person("Gus", "Hart"))
    decisions.release_due(at=release_at)
    assert DecisionRelease.objects.count() == 0

    decisions.decision_record(application=missing, decision="waitlisted", by=programme_admin_user)
    released = decisions.release_due(at=release_at + 5 * MINUTE)

    assert [r.released_at for r in released] == [release_at + 5 * MINUTE]
    assert [to for to, *_ in outcome_emails()] == [
        "amina.begum@example.org",
        "bryn.davies@example.org",
        "cara.doyle@example.org",
        "gus.hart@example.org",
    ]
    assert OutboxEmail.objects.filter(kind="decisions_missing").count() == 2


def test_nobody_is_warned_when_every_decision_is_in(open_edition, field, release_at, admins):
    decisions.release_due(at=release_at - 2 * DAY)

    assert OutboxEmail.objects.count() == 0


# Releasing early, by hand


@pytest.fixture
def admin_client(client, programme_admin_user):
    client.force_login(programme_admin_user)
    return client


def release_url(edition):
    return f"/staff/selection/{edition.pk}/release/"


def test_the_release_page_asks_for_the_edition_name(admin_client, open_edition, field):
    page = admin_client.get(release_url(open_edition)).content.decode()

    assert f"Type <strong>{open_edition.name}</strong> to confirm" in page
    assert "Releasing now sends all 3 applicants their outcome email straight away" in page
    assert "Release 3 decisions now</button>" in page


def test_a_wrong_confirmation_changes_nothing(admin_client, open_edition, field, celery_eager):
    response = admin_client.post(release_url(open_edition), {"confirm": "yes please"})

    page = response.content.decode()
    assert response.status_code == 200
    assert f"Type {open_edition.name} to confirm the release." in page
    assert DecisionRelease.objects.count() == 0
    assert OutboxEmail.objects.count() == 0


def test_releasing_early_sends_every_outcome_email_and_says_so_afterwards(
    admin_client,
    open_edition,
    field,
    programme_admin_user,
    celery_eager,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(release_url(open_edition), {"confirm": open_edition.name})

    assert response.status_code == 302
    assert response["Location"] == f"/staff/selection/{open_edition.pk}/"
    release = DecisionRelease.objects.get()
    assert (release.released_by, release.emails_queued) == (programme_admin_user, 3)
    assert release.released_at < open_edition.decisions_release_at
    assert outcome_emails() == expected_outcome_emails(open_edition, field)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "amina.begum@example.org",
        "bryn.davies@example.org",
        "cara.doyle@example.org",
    ]
    dashboard = admin_client.get(response["Location"]).content.decode()
    assert "The release has started: every applicant is being sent their outcome email." in (
        dashboard
    )
    assert "3 outcome emails — 3 sent, 0 waiting, 0 failed." in dashboard

    page = admin_client.get(release_url(open_edition)).content.decode()
    released_at = timezone.localtime(release.released_at)
    assert (
        f"Decisions were released on {released_at:%-d %B %Y at %H:%M}: 3 outcome emails. "
        "They cannot be released twice."
    ) in page
    assert 'name="confirm"' not in page

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(release_url(open_edition), {"confirm": open_edition.name})
    assert DecisionRelease.objects.count() == 1
    assert len(mail.outbox) == 3


def test_the_release_page_lists_what_is_missing_and_will_not_release(
    admin_client, open_edition, field, celery_eager, django_capture_on_commit_callbacks
):
    missing = application_with_referees(edition=open_edition)

    page = admin_client.get(release_url(open_edition)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(release_url(open_edition), {"confirm": open_edition.name})

    assert "1 submitted application has no decision yet, so nothing can be released:" in page
    assert f"<li>{missing.reference_number}</li>" in page
    assert 'name="confirm"' not in page
    assert DecisionRelease.objects.count() == 0
    assert OutboxEmail.objects.count() == 0


# Editable outcome emails


def test_the_release_uses_the_edited_wording(open_edition, field, release_at):
    OutcomeEmail.objects.create(
        decision="accepted",
        subject="Welcome aboard, {{ name }}: {{ edition_name }} ({{reference_number}})",
        body_text=(
            "Dear {{ name }},\n\nYou're in! Answer by {{ offer_deadline }} at "
            "{{ offer_url }}.\n\n{{ programme_name }}"
        ),
    )

    decisions.decisions_release(edition=open_edition, at=release_at)

    accepted = OutboxEmail.objects.get(kind="decision_accepted")
    deadline = timezone.localtime(open_edition.offer_response_deadline)
    reference = Application.objects.get(applicant__email=accepted.to).reference_number
    assert accepted.subject == f"Welcome aboard, Amina: {open_edition.name} ({reference})"
    assert accepted.body_text == (
        f"Dear Amina,\n\nYou're in! Answer by {deadline:%H:%M on %A %-d %B %Y} at "
        f"http://127.0.0.1:8000/application/offer/.\n\n{PROGRAMME}\n"
    )
    assert "<p>Dear Amina,</p>" in accepted.body_html
    assert "You&#x27;re in!" in accepted.body_html
    # The others keep the wording shipped with the application.
    assert OutboxEmail.objects.get(kind="decision_waitlisted").subject == (
        f"Your application to the {PROGRAMME} {open_edition.name}"
    )


def test_apostrophes_are_not_html_escaped_in_plain_text_outcome_emails(
    open_edition, release_at, programme_admin_user
):
    open_edition.contact_name = "Rachel O'Connor"
    open_edition.save(update_fields=["contact_name"])
    dandre = UserFactory(first_name="D'Andre", last_name="Hall", email="dandre@example.org")
    cara = person("Cara", "Doyle")
    for applicant, decision in ((dandre, "accepted"), (cara, "unsuccessful")):
        decisions.decision_record(
            application=application_with_referees(edition=open_edition, applicant=applicant),
            decision=decision,
            by=programme_admin_user,
        )
    OutcomeEmail.objects.create(
        decision="accepted",
        subject="A place for {{ name }}",
        body_text="Dear {{ name }},\n\nWrite to {{ contact_name }}.",
    )

    decisions.decisions_release(edition=open_edition, at=release_at)

    edited = OutboxEmail.objects.get(kind="decision_accepted")
    assert edited.subject == "A place for D'Andre"
    assert edited.body_text == "Dear D'Andre,\n\nWrite to Rachel O'Connor.\n"
    assert "<p>Dear D&#x27;Andre,</p>" in edited.body_html
    shipped = OutboxEmail.objects.get(kind="decision_unsuccessful")
    assert shipped.body_text.endswith(
        "Questions? Write to Rachel O'Connor at programme@example.org.\n"
    )
    assert "Write to Rachel O&#x27;Connor at" in shipped.body_html


def test_a_new_outcome_email_starts_from_the_shipped_wording(admin_client):
    response = admin_client.get("/admin/applications/outcomeemail/add/?decision=waitlisted")

    form = response.context["adminform"].form
    assert form.initial["decision"] == "waitlisted"
    assert form.initial["subject"] == (
        "Your application to the {{ programme_name }} {{ edition_name }}"
    )
    assert form.initial["body_text"].startswith("Hello {{ name }},\n\nThank you for applying")


def test_programme_admins_edit_the_wording_in_the_admin(admin_client):
    response = admin_client.post(
        "/admin/applications/outcomeemail/add/",
        {
            "decision": "unsuccessful",
            "subject": "About your application, {{ name }}",
            "body_text": "Dear {{ name }}, thank you.",
            "body_html": "",
        },
    )

    assert response.status_code == 302
    assert list(OutcomeEmail.objects.values_list("decision", "subject")) == [
        ("unsuccessful", "About your application, {{ name }}")
    ]


@pytest.fixture
def wording():
    return OutcomeEmail.objects.create(
        decision="accepted",
        subject="Your place, {{ name }}",
        body_text="Dear {{ name }},\n\nAnswer at {{ offer_url }}.",
    )


def test_the_preview_renders_for_the_chosen_application(admin_client, wording, field):
    other = application_with_referees(
        edition=field["accepted"].edition, applicant=person("Hana", "Ito")
    )
    decisions.decision_record(
        application=other, decision="accepted", by=field["accepted"].decided_by
    )
    url = f"/admin/applications/outcomeemail/{wording.pk}/preview/"

    newest = admin_client.get(url).content.decode()
    chosen = admin_client.get(f"{url}?application={field['accepted'].pk}").content.decode()

    assert "<p>Your place, Hana</p>" in newest
    assert "<p>Your place, Amina</p>" in chosen
    assert (
        '<pre class="email-preview-text">Dear Amina,\n\n'
        "Answer at http://127.0.0.1:8000/application/offer/.\n</pre>"
    ) in chosen
    assert (
        f'<option value="{field["accepted"].pk}" selected>'
        f"{field['accepted'].reference_number} · Amina Begum</option>"
    ) in chosen
    # Only applications with this decision are offered for the preview.
    assert "Bryn Davies" not in chosen
    assert OutboxEmail.objects.count() == 0


def test_send_a_test_to_me_queues_exactly_one_email_to_the_admin(
    admin_client, wording, field, programme_admin_user
):
    url = (
        f"/admin/applications/outcomeemail/{wording.pk}/preview/?application={field['accepted'].pk}"
    )

    response = admin_client.post(url, follow=True)

    assert f"A test of this email is on its way to {programme_admin_user.email}." in (
        response.content.decode()
    )
    test = OutboxEmail.objects.get()
    assert (test.kind, test.to, test.subject) == (
        "outcome_test",
        "pat.admin@example.org",
        "[Test] Your place, Amina",
    )
    assert test.body_text == "Dear Amina,\n\nAnswer at http://127.0.0.1:8000/application/offer/.\n"
    assert DecisionRelease.objects.count() == 0


def test_the_preview_without_an_application_says_so(admin_client, wording):
    page = admin_client.get(f"/admin/applications/outcomeemail/{wording.pk}/preview/")

    assert "No application has this decision yet, so there is nothing to preview with." in (
        page.content.decode()
    )
    sent = admin_client.post(f"/admin/applications/outcomeemail/{wording.pk}/preview/")
    assert sent.status_code == 200
    assert OutboxEmail.objects.count() == 0


# The release in the admin


def test_the_release_admin_shows_sent_and_failed_counts_and_resends_the_failed(
    admin_client, open_edition, field, release_at, celery_eager, django_capture_on_commit_callbacks
):
    decisions.decisions_release(edition=open_edition, at=release_at)
    emails = {e.to: e for e in OutboxEmail.objects.all()}
    OutboxEmail.objects.filter(pk=emails["amina.begum@example.org"].pk).update(status="sent")
    OutboxEmail.objects.filter(
        pk__in=[emails["bryn.davies@example.org"].pk, emails["cara.doyle@example.org"].pk]
    ).update(status="failed", attempts=6, last_error="SMTPDataError: 554")
    release = DecisionRelease.objects.get()

    listing = admin_client.get("/admin/applications/decisionrelease/").content.decode()
    assert '<td class="field-emails_queued">3</td>' in listing
    assert '<td class="field-sent">1</td>' in listing
    assert '<td class="field-failed">2</td>' in listing

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/applications/decisionrelease/",
            {"action": "resend_failed", "index": "0", "_selected_action": [release.pk]},
            follow=True,
        )

    assert "2 failed outcome email(s) queued to send again." in response.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "bryn.davies@example.org",
        "cara.doyle@example.org",
    ]
    counts = decisions.release_counts(edition=open_edition)
    assert {k: counts[k] for k in ("queued", "claimed", "sent", "retrying", "failed")} == {
        "queued": 0,
        "claimed": 0,
        "sent": 3,
        "retrying": 0,
        "failed": 0,
    }
    listing = admin_client.get("/admin/applications/decisionrelease/").content.decode()
    assert '<td class="field-sent">3</td>' in listing
    assert '<td class="field-failed">0</td>' in listing


def test_the_release_admin_is_read_only(admin_client, open_edition, field, release_at):
    decisions.decisions_release(edition=open_edition, at=release_at)
    release = DecisionRelease.objects.get()

    assert admin_client.get("/admin/applications/decisionrelease/add/").status_code == 403
    assert (
        admin_client.get(f"/admin/applications/decisionrelease/{release.pk}/delete/").status_code
        == 403
    )
    page = admin_client.get(f"/admin/applications/decisionrelease/{release.pk}/change/")
    assert page.status_code == 200
    assert '<div class="readonly">3</div>' in page.content.decode()


@pytest.mark.parametrize("field_name", ["subject", "body_text", "body_html"])
def test_outcome_wording_with_template_syntax_is_refused(admin_client, field_name):
    data = {
        "decision": "accepted",
        "subject": "Your place, {{ name }}",
        "body_text": "Dear {{ name }},",
        "body_html": "",
        field_name: "Dear {{ name ,{% if %}",
    }

    response = admin_client.post("/admin/applications/outcomeemail/add/", data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field_name]
    assert errors[field_name] == [
        "“{{” is not a placeholder: write placeholders as {{ name }}, with no dots, filters "
        "or tags.",
        "“{% if %}” is not a placeholder: write placeholders as {{ name }}, with no dots, "
        "filters or tags.",
    ]
    assert OutcomeEmail.objects.count() == 0


def test_the_preview_ignores_a_malformed_application_choice(admin_client, wording, field):
    url = f"/admin/applications/outcomeemail/{wording.pk}/preview/?application=abc"

    response = admin_client.get(url)

    assert response.status_code == 200
    assert "<p>Your place, Amina</p>" in response.content.decode()


def test_the_release_admin_shows_each_state_the_last_error_and_the_next_attempt(
    admin_client, open_edition, field, release_at
):
    decisions.decisions_release(edition=open_edition, at=release_at)
    emails = {e.to: e for e in OutboxEmail.objects.all()}
    retry_at = timezone.make_aware(dt.datetime(2031, 6, 2, 9, 5))
    OutboxEmail.objects.filter(pk=emails["amina.begum@example.org"].pk).update(
        status="claimed", attempts=1, claimed_by="worker-1:42:abc", claimed_at=timezone.now()
    )
    OutboxEmail.objects.filter(pk=emails["bryn.davies@example.org"].pk).update(
        attempts=2,
        next_attempt_at=retry_at,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )

    listing = admin_client.get("/admin/applications/decisionrelease/").content.decode()

    for column, value in [
        ("queued", 1),
        ("claimed", 1),
        ("sent", 0),
        ("retrying", 1),
        ("failed", 0),
    ]:
        assert f'<td class="field-{column}">{value}</td>' in listing
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in listing
    # The next attempt due is the earliest of the waiting ones: Cara's, queued, due at once.
    queued_at = OutboxEmail.objects.get(to="cara.doyle@example.org").next_attempt_at
    shown = date_format(timezone.localtime(queued_at), "DATETIME_FORMAT")
    assert f'<td class="field-next_attempt">{shown}</td>' in listing
