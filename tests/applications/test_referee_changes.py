"""A referee who declines confirms first and the applicant hears once; the applicant sees where
each reference stands (never what was written); referee changes after submission are limited."""

import pytest
from django.utils import timezone

from applications import services
from applications.models import Reference
from panitch.models import OutboxEmail
from tests.applications.conftest import STEP_DATA
from tests.applications.helpers import field_errors, outbox, recipients, reference_link

REFERENCE = {
    "relationship": "We organise together in Leeds Momentum.",
    "known_for": "three years",
    "commitment": "Sam rebuilt the Harehills branch door by door.",
    "examples": "Ran the rent strike assemblies every month.",
    "recommendation": "yes",
}


@pytest.fixture
def link_two(submitted):
    return reference_link("reference_request", "ref.two@example.org")


def replace_second_referee(client, n):
    return client.post(
        "/apply/referees/",
        {
            **STEP_DATA["referees"],
            "referee2-name": f"New Referee {n}",
            "referee2-email": f"new{n}@example.org",
        },
    )


# Declining


def test_declining_asks_to_confirm_first_and_records_nothing_yet(
    referee_client, submitted, link_two
):
    response = referee_client.post(link_two, {"decline": "1"})

    page = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="h2">You can\'t give a reference for Sam Okafor?</h1>' in page
    assert 'name="decline_confirmed"' in page
    assert f'href="{link_two}">No, go back to the reference form</a>' in page
    assert Reference.objects.count() == 0
    assert outbox("referee_declined") == []


def test_a_confirmed_decline_emails_the_applicant_once_naming_the_referee(
    referee_client, submitted, link_two
):
    referee_client.post(link_two, {"decline_confirmed": "1"})
    referee_client.post(link_two, {"decline_confirmed": "1"})

    declined = submitted.referees.get(email="ref.two@example.org")
    assert Reference.objects.get().declined is True
    assert outbox("referee_declined") == [
        ("sam@example.org", f"referee_declined:{declined.pk}"),
    ]
    email = OutboxEmail.objects.get(kind="referee_declined")
    assert email.subject == "Ben Referee can't give you a reference"
    assert email.body_text.splitlines()[:7] == [
        "Dear Sam,",
        "",
        "Ben Referee, whom you named as a political referee for the Leo Panitch Leadership "
        f"Programme {submitted.edition.name}, has told us they can't give you a reference.",
        "",
        "Please name someone else: open the referees part of your application, put the new "
        "referee's details in place of Ben Referee's and save. We email the new referee "
        "straight away.",
        "http://127.0.0.1:8000/apply/referees/",
        "",
    ]


# What the applicant sees


def test_the_status_page_shows_each_referees_state_but_not_what_they_wrote(
    signed_in, referee_client, submitted, link_two
):
    link_one = reference_link("reference_request", "ref.one@example.org")
    referee_client.post(link_one, REFERENCE)
    referee_client.post(link_two, {"decline_confirmed": "1"})
    replace_second_referee(signed_in, 1)

    page = signed_in.get("/application/").content.decode()

    today = f"{timezone.localdate():%-d %B}"
    assert "<dt>Reference number</dt>\n      <dd>" + submitted.reference_number in page
    assert "<strong>Ada Referee</strong> (ref.one@example.org):\n    reference received" in page
    assert (
        "<strong>New Referee 1</strong> (new1@example.org):\n    asked for a reference on " + today
    ) in page
    assert f"<strong>Ben Referee</strong> (ref.two@example.org):\n    replaced on {today}" in page
    assert "door by door" not in page
    assert "Referees can answer until" in page


def test_a_reminded_referee_shows_as_reminded(signed_in, submitted):
    deadline = submitted.edition.reference_deadline
    submitted.referees.update(requested_at=deadline - timezone.timedelta(days=10))
    services.send_reference_reminders(at=deadline - timezone.timedelta(days=6))

    page = signed_in.get("/apply/referees/").content.decode()

    assert "Where your references stand" in page
    assert "<strong>Ada Referee</strong> (ref.one@example.org):\n    asked, and reminded on" in page


def test_the_referees_step_shows_every_referees_state_from_the_applications_query(
    signed_in, referee_client, submitted, link_two, django_assert_max_num_queries
):
    referee_client.post(reference_link("reference_request", "ref.one@example.org"), REFERENCE)
    referee_client.post(link_two, {"decline_confirmed": "1"})
    replace_second_referee(signed_in, 1)
    signed_in.get("/apply/referees/")

    with django_assert_max_num_queries(2):
        page = signed_in.get("/apply/referees/").content.decode()

    today = f"{timezone.localdate():%-d %B}"
    assert "<strong>Ada Referee</strong> (ref.one@example.org):\n    reference received" in page
    assert (
        "<strong>New Referee 1</strong> (new1@example.org):\n    asked for a reference on " + today
    ) in page
    assert f"<strong>Ben Referee</strong> (ref.two@example.org):\n    replaced on {today}" in page
    assert page.index("Ada Referee</strong>") < page.index("New Referee 1</strong>")
    assert page.index("New Referee 1</strong>") < page.index("Ben Referee</strong>")
    assert "door by door" not in page
    # The form shows the current referees only.
    assert 'value="new1@example.org"' in page
    assert 'value="ref.two@example.org"' not in page


def test_the_referees_step_shows_a_declined_referee_until_replaced(
    signed_in, referee_client, submitted, link_two
):
    referee_client.post(link_two, {"decline_confirmed": "1"})

    page = signed_in.get("/apply/referees/").content.decode()

    assert (
        "<strong>Ben Referee</strong> (ref.two@example.org):\n    said they cannot give a reference"
    ) in page
    assert "<strong>Ada Referee</strong> (ref.one@example.org):\n    asked for a reference" in page


def test_naming_a_replacement_says_the_new_referee_has_been_asked(signed_in, submitted):
    response = replace_second_referee(signed_in, 1)

    page = signed_in.get(response["Location"]).content.decode()
    assert "We have emailed New Referee 1 at new1@example.org to ask for a reference." in page


# Limits on referee changes after submission


def test_the_fourth_replacement_is_refused_next_to_the_field(signed_in, submitted, settings):
    settings.REFEREE_REPLACEMENTS_PER_DAY = 10
    for n in (1, 2, 3):
        assert replace_second_referee(signed_in, n).status_code == 302

    response = replace_second_referee(signed_in, 4)

    assert response.status_code == 400
    assert field_errors(response.content.decode(), "referee2-email") == [
        "You have already changed your referees 3 times since submitting, which is as many as "
        "we allow. If you need another change, please write to "
        f"{submitted.edition.contact_email}."
    ]
    assert recipients("reference_request") == [
        "new1@example.org",
        "new2@example.org",
        "new3@example.org",
        "ref.one@example.org",
        "ref.two@example.org",
    ]
    assert submitted.referees.get(position=2, replaced_at__isnull=True).email == "new3@example.org"


def test_nobody_is_asked_twice_for_the_same_application(signed_in, submitted, settings):
    settings.REFEREE_REPLACEMENTS_PER_DAY = 10
    replace_second_referee(signed_in, 1)

    response = signed_in.post("/apply/referees/", STEP_DATA["referees"])  # Ben again

    assert response.status_code == 400
    assert field_errors(response.content.decode(), "referee2-email") == [
        "We have already asked this person for a reference for this application, and we ask "
        "each person only once. Please name someone else."
    ]
    assert recipients("reference_request").count("ref.two@example.org") == 1


def test_referee_changes_are_rate_limited_per_applicant(signed_in, submitted):
    replace_second_referee(signed_in, 1)
    replace_second_referee(signed_in, 2)

    response = replace_second_referee(signed_in, 3)

    assert field_errors(response.content.decode(), "referee2-email") == [
        "You have changed your referees several times today. Please try again tomorrow."
    ]
    assert "new3@example.org" not in recipients("reference_request")


def test_staff_can_stop_further_reference_requests(signed_in, submitted):
    services.application_stop_reference_requests(application=submitted)

    response = replace_second_referee(signed_in, 1)

    assert field_errors(response.content.decode(), "referee2-email") == [
        "Referee changes on this application are paused. Please write to "
        f"{submitted.edition.contact_email}."
    ]
    assert recipients("reference_request") == ["ref.one@example.org", "ref.two@example.org"]


def test_a_long_applicant_name_is_cut_short_in_the_request_subject(
    signed_in, open_edition, applicant, fill_in
):
    fill_in()
    applicant.first_name = "A" * 150
    applicant.save(update_fields=["first_name"])
    signed_in.post("/apply/review/")

    subjects = set(
        OutboxEmail.objects.filter(kind="reference_request").values_list("subject", flat=True)
    )
    assert subjects == {"A" * 59 + "… has asked you for a reference"}


def test_a_programme_admin_stops_reference_requests_from_the_admin(
    client_for, programme_admin_user, reviewer, submitted
):
    action = {"action": "stop_reference_requests", "_selected_action": [submitted.pk]}

    refused = client_for(reviewer).post("/admin/applications/application/", action)
    submitted.refresh_from_db()
    assert (refused.status_code, submitted.reference_requests_stopped) == (200, False)

    response = client_for(programme_admin_user).post(
        "/admin/applications/application/", action, follow=True
    )

    submitted.refresh_from_db()
    assert submitted.reference_requests_stopped is True
    assert "Reference requests stopped for 1 application(s)." in response.content.decode()
    page = client_for(programme_admin_user).get(
        f"/admin/applications/application/{submitted.pk}/change/"
    )
    assert "Reference requests stopped" in page.content.decode()
