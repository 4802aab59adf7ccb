"""The application form: steps saved as a draft, resumed, validated, and consent recorded."""

import re

import pytest
from django.db import IntegrityError

from applications import privacy
from applications.forms import weekend_label
from applications.models import Application, EqualityMonitoring
from applications.steps import STEPS
from tests.applications.conftest import STEP_DATA
from tests.applications.factories import ApplicationFactory
from tests.applications.helpers import field_errors
from tests.factories import EditionFactory, UserFactory


def post_step(client, slug, **changes):
    return client.post(f"/apply/{slug}/", {**STEP_DATA[slug], **changes})


# Drafts, resuming and progress


def test_apply_starts_at_the_first_step_without_an_application(signed_in, open_edition):
    response = signed_in.get("/apply/")

    assert response["Location"] == "/apply/about/"
    assert Application.objects.count() == 0


def test_each_step_saves_the_draft_and_apply_resumes_at_the_next_one(
    signed_in, open_edition, applicant, fill_in
):
    fill_in("about")
    application = Application.objects.get()
    assert (application.status, application.completed_steps) == ("draft", ["about"])
    assert (application.phone, application.postcode, application.region) == (
        "07700 900123",
        "LS1 4AP",
        "yorkshire",
    )
    assert signed_in.get("/apply/")["Location"] == "/apply/membership/"

    fill_in("membership", "experience")
    application.refresh_from_db()
    assert application.completed_steps == ["about", "membership", "experience"]
    assert (application.is_member, application.local_group) == (True, "Leeds Momentum")
    assert application.organising_kinds == ["local-group", "tenants-union"]
    assert signed_in.get("/apply/")["Location"] == "/apply/project/"


def test_apply_goes_to_the_review_once_every_step_is_done(signed_in, open_edition, fill_in):
    fill_in()

    assert signed_in.get("/apply/")["Location"] == "/apply/review/"
    assert Application.objects.get().status == "draft"


def test_the_last_step_leads_to_the_review(signed_in, open_edition, fill_in):
    assert fill_in()["Location"] == "/apply/review/"


def test_a_skipped_step_is_where_apply_resumes(signed_in, open_edition, fill_in):
    fill_in("about", "membership", "project")

    assert signed_in.get("/apply/")["Location"] == "/apply/experience/"


@pytest.mark.parametrize(
    ("path", "progress"),
    [
        ("/apply/about/", "Step 1 of 10"),
        ("/apply/project/", "Step 4 of 10"),
        ("/apply/consent/", "Step 8 of 10"),
        ("/apply/equality/", "Step 9 of 10"),
        ("/apply/review/", "Step 10 of 10"),
    ],
)
def test_progress_shows_the_step_number(signed_in, open_edition, fill_in, path, progress):
    fill_in("about")

    page = signed_in.get(path).content.decode()

    assert f"<strong>{progress}</strong>" in page


def test_progress_marks_the_steps_done_and_links_them_once_there_is_a_draft(
    signed_in, open_edition, fill_in
):
    first = signed_in.get("/apply/about/").content.decode()
    assert '<span aria-current="step">About you</span>' in first
    assert "<span>Membership</span>" in first  # nothing to go back to yet: no links
    assert "(done)" not in first

    fill_in("about", "membership")
    page = signed_in.get("/apply/project/").content.decode()

    assert page.count('<span class="visually-hidden">(done)</span>') == 2
    assert '<li class="done">\n        <a href="/apply/about/">About you</a>' in page
    assert (
        '<li class=" current">\n        <span aria-current="step">Your local project</span>' in page
    )
    assert "<strong>Step 4 of 10</strong> · Your local project" in page
    assert '<a href="/apply/review/">Check and submit</a>' in page


@pytest.mark.parametrize("slug", [step.slug for step in STEPS])
def test_a_step_page_makes_two_queries_for_someone_with_a_draft(
    signed_in, open_edition, fill_in, slug, django_assert_max_num_queries
):
    """The person with their roles, then their application with its edition (and, in the same
    query, the referees on the referees step and the person's earlier answers on the equality
    step): the step's page reads nothing of the application that it did not load."""
    fill_in("about", "membership", "experience", "project", "availability", "travel", "referees")
    signed_in.get(f"/apply/{slug}/")  # the session is now in the cache

    with django_assert_max_num_queries(2):
        assert signed_in.get(f"/apply/{slug}/").status_code == 200


@pytest.mark.parametrize("slug", [step.slug for step in STEPS])
def test_a_step_page_makes_two_queries_for_a_submitted_application(
    signed_in, submitted, slug, django_assert_max_num_queries
):
    """Once submitted, the referees step also shows where each reference stands: still in the
    application's one query, however many referees there have been."""
    signed_in.post(
        "/apply/referees/",
        {**STEP_DATA["referees"], "referee2-name": "Cy New", "referee2-email": "cy@example.org"},
    )
    signed_in.get(f"/apply/{slug}/")

    with django_assert_max_num_queries(2):
        assert signed_in.get(f"/apply/{slug}/").status_code == 200


def test_save_and_come_back_later_goes_to_the_dashboard_and_keeps_the_answers(
    signed_in, open_edition, fill_in
):
    fill_in("about")

    response = post_step(signed_in, "membership", save_and_exit="1")

    assert response["Location"] == "/application/"
    application = Application.objects.get()
    assert application.completed_steps == ["about", "membership"]
    assert application.membership_reference == "sam@example.org"
    dashboard = signed_in.get("/application/").content.decode()
    assert "Your answers are saved. Come back any time to carry on." in dashboard
    assert "Draft: not submitted yet" in dashboard
    assert signed_in.get("/apply/")["Location"] == "/apply/experience/"


def test_a_saved_step_shows_its_answers_when_opened_again(signed_in, open_edition, fill_in):
    fill_in("project")

    page = signed_in.get("/apply/project/").content.decode()

    assert 'value="Harehills renters&#x27; political education series"' in page
    assert "Monthly sessions on housing and class for renters.</textarea>" in page


# A failed step saves nothing and says why beside the field


def test_an_invalid_first_step_creates_no_application(signed_in, open_edition, applicant):
    response = post_step(signed_in, "about", phone="12")

    assert response.status_code == 400
    assert field_errors(response.content.decode(), "phone") == [
        "Enter a phone number with at least 10 digits, e.g. 07700 900123."
    ]
    assert Application.objects.count() == 0
    applicant.refresh_from_db()
    assert (applicant.first_name, applicant.last_name) == ("Sam", "Okafor")


def test_an_invalid_later_step_leaves_the_stored_answers_unchanged(
    signed_in, open_edition, applicant, fill_in
):
    fill_in("about")

    response = post_step(
        signed_in, "about", first_name="Samira", phone="07700 900999", postcode="NOT A CODE"
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert field_errors(page, "postcode") == ["Enter a UK postcode, for example LS1 4AP."]
    assert "<title>Error: About you" in page
    application = Application.objects.get()
    assert (application.phone, application.postcode, application.completed_steps) == (
        "07700 900123",
        "LS1 4AP",
        ["about"],
    )
    applicant.refresh_from_db()
    assert applicant.first_name == "Sam"


def test_a_missing_required_answer_is_shown_beside_its_field(signed_in, open_edition, fill_in):
    fill_in("about")

    response = post_step(signed_in, "project", project_title="")

    assert field_errors(response.content.decode(), "project_title") == ["This field is required."]
    assert Application.objects.get().project_title == ""


# Eligibility


def test_someone_who_is_not_a_member_is_told_to_join(signed_in, open_edition, fill_in):
    fill_in("about")

    response = post_step(signed_in, "membership", is_member="False")

    assert field_errors(response.content.decode(), "is_member") == [
        "The programme is for Momentum members. Membership is free: join Momentum "
        "(https://peoplesmomentum.com/join/), then come back to finish — your answers so far "
        "are saved."
    ]
    application = Application.objects.get()
    assert (application.is_member, application.completed_steps) == (None, ["about"])


def test_the_membership_question_must_be_answered(signed_in, open_edition):
    data = {**STEP_DATA["membership"]}
    del data["is_member"]

    response = signed_in.post("/apply/membership/", data)

    assert field_errors(response.content.decode(), "is_member") == ["Choose yes or no."]


def test_neither_weekend_is_not_eligible(signed_in, open_edition):
    response = post_step(signed_in, "availability", weekend_choice="neither")

    assert field_errors(response.content.decode(), "weekend_choice") == [
        "Every participant comes to one in-person weekend: it is where the cohort first meets "
        "and ten of the nineteen sessions happen. If neither weekend works this year, the "
        "programme runs again next year."
    ]
    assert Application.objects.count() == 0


def test_not_being_available_on_the_closing_day_is_not_eligible(signed_in, open_edition):
    response = post_step(signed_in, "availability", available_closing_day="False")

    assert field_errors(response.content.decode(), "available_closing_day") == [
        "The closing day brings the cohort together for the last five sessions, so every "
        "participant needs to be there. If you cannot make it, please apply in a future year."
    ]


def test_no_device_points_to_the_programme_contact(signed_in, open_edition):
    response = post_step(signed_in, "availability", has_device="False")

    assert field_errors(response.content.decode(), "has_device") == [
        "The online sessions and the closing day happen on video calls, so you need a device "
        "and internet. If this is the only thing in your way, email the programme contact "
        "(programme@example.org) to talk it through."
    ]


def test_the_availability_step_names_the_editions_weekends_and_closing_day(signed_in, open_edition):
    page = signed_in.get("/apply/availability/").content.decode()
    e = open_edition

    assert (
        "Only weekend A: " + weekend_label(e.weekend_a_starts_on, e.weekend_a_ends_on, "London")
        in page
    )
    assert (
        "Only weekend B: " + weekend_label(e.weekend_b_starts_on, e.weekend_b_ends_on, "Leeds")
        in page
    )
    assert f"{open_edition.closing_day:%A %-d %B %Y}, online, all day." in page


# Referees


def test_two_referees_with_the_same_email_in_any_case_are_rejected(
    signed_in, open_edition, fill_in
):
    fill_in("about")

    response = post_step(signed_in, "referees", **{"referee2-email": "Ref.One@Example.ORG"})

    page = response.content.decode()
    assert response.status_code == 400
    assert field_errors(page, "referee2-email") == ["Your two referees must be different people."]
    assert field_errors(page, "referee1-email") == []
    assert "Please correct the referee details marked below." in page
    application = Application.objects.get()
    assert (application.referees.count(), application.completed_steps) == (0, ["about"])


def test_the_applicant_cannot_be_their_own_referee(signed_in, open_edition):
    response = post_step(signed_in, "referees", **{"referee1-email": "SAM@example.org"})

    assert field_errors(response.content.decode(), "referee1-email") == [
        "A referee must be someone other than you."
    ]
    assert Application.objects.count() == 0


def test_both_referees_being_the_applicant_shows_one_message_on_each(signed_in, open_edition):
    response = post_step(
        signed_in,
        "referees",
        **{"referee1-email": "sam@example.org", "referee2-email": "Sam@example.org"},
    )

    page = response.content.decode()
    assert field_errors(page, "referee1-email") == ["A referee must be someone other than you."]
    assert field_errors(page, "referee2-email") == ["A referee must be someone other than you."]


def test_an_invalid_referee_email_is_rejected(signed_in, open_edition):
    response = post_step(signed_in, "referees", **{"referee2-email": "ben at unite"})

    assert field_errors(response.content.decode(), "referee2-email") == [
        "Enter a valid email address."
    ]
    assert Application.objects.count() == 0


def test_valid_referees_are_stored_in_their_positions(signed_in, open_edition, fill_in):
    fill_in("referees")

    referees = Application.objects.get().referees.order_by("position")
    assert [(r.position, r.name, r.email, r.phone, r.replaced_at) for r in referees] == [
        (1, "Ada Referee", "ref.one@example.org", "", None),
        (2, "Ben Referee", "ref.two@example.org", "0113 496 0000", None),
    ]
    assert [r.requested_at for r in referees] == [None, None]  # asked only on submission


# Consent and equality monitoring


def test_consent_must_be_ticked(signed_in, open_edition, fill_in):
    fill_in("about")

    response = signed_in.post("/apply/consent/", {})

    assert field_errors(response.content.decode(), "consent_special_category") == [
        "We cannot consider an application without this consent: political opinions and trade "
        "union membership are at the heart of it."
    ]
    application = Application.objects.get()
    assert (
        application.consent_special_category,
        application.privacy_notice_version,
        application.consented_at,
    ) == (False, "", None)


def test_consent_records_the_privacy_notice_version_and_time(signed_in, open_edition, fill_in):
    fill_in("consent")

    application = Application.objects.get()
    assert application.consent_special_category is True
    assert application.privacy_notice_version == privacy.APPLICANT_NOTICE_VERSION == "2021-1"
    assert application.consented_at is not None
    assert application.completed_steps == ["consent"]


def test_consent_is_never_shown_pre_ticked(signed_in, open_edition, fill_in):
    fill_in("consent")

    page = signed_in.get("/apply/consent/").content.decode()

    assert 'name="consent_special_category"' in page
    assert "checked" not in page.split('name="consent_special_category"')[1].split(">")[0]
    assert "privacy notice (version 2021-1)" in page


def test_equality_answers_are_kept_apart_from_the_application(
    signed_in, open_edition, applicant, fill_in
):
    fill_in("equality")

    monitoring = EqualityMonitoring.objects.get()
    assert (monitoring.edition, monitoring.person) == (open_edition, applicant)
    assert (monitoring.age_band, monitoring.gender, monitoring.ethnicity) == (
        "25–34",
        "Non-binary",
        "",
    )
    application = Application.objects.get()
    assert application.completed_steps == ["equality"]
    assert not hasattr(application, "gender")


def test_the_equality_step_shows_this_editions_answers_only(
    signed_in, open_edition, applicant, fill_in
):
    fill_in("about", "equality")
    EqualityMonitoring.objects.create(
        edition=EditionFactory(year=open_edition.year - 1), person=applicant, gender="Old answer"
    )
    EqualityMonitoring.objects.create(edition=open_edition, person=UserFactory(), gender="Other")

    page = signed_in.get("/apply/equality/").content.decode()

    assert 'value="Non-binary"' in page
    assert '<option value="25–34" selected>25–34</option>' in page
    assert "Old answer" not in page
    assert 'value="Other"' not in page


def test_equality_answers_can_be_changed_without_a_second_row(signed_in, open_edition, fill_in):
    fill_in("equality")
    fill_in("equality", equality={"gender": "Woman", "age_band": ""})

    monitoring = EqualityMonitoring.objects.get()
    assert (monitoring.age_band, monitoring.gender) == ("", "Woman")


# One application per person per edition


def test_a_second_application_for_the_same_edition_and_person_is_refused(open_edition):
    first = ApplicationFactory(edition=open_edition)

    with pytest.raises(IntegrityError):
        Application.objects.create(edition=open_edition, applicant=first.applicant)


def test_the_same_person_may_apply_to_another_edition(open_edition):
    first = ApplicationFactory(edition=open_edition)

    second = ApplicationFactory(applicant=first.applicant)

    assert Application.objects.filter(applicant=first.applicant).count() == 2
    assert second.edition != open_edition


def test_saving_steps_again_keeps_one_application(signed_in, open_edition, applicant, fill_in):
    fill_in("about", "membership")
    fill_in("about", about={"pronouns": "she/her"})

    application = Application.objects.get(applicant=applicant)
    assert (application.pronouns, application.completed_steps) == (
        "she/her",
        ["about", "membership"],
    )


def test_another_applicants_draft_does_not_count_as_mine(signed_in, open_edition):
    ApplicationFactory(edition=open_edition, applicant=UserFactory(), status="draft")

    assert signed_in.get("/apply/")["Location"] == "/apply/about/"


def test_the_privacy_notices_show_their_versions(client, db):
    applicant_notice = client.get("/privacy/").content.decode()
    referee_notice = client.get("/reference/privacy/").content.decode()

    assert '<p class="text-body-secondary">Version 2021-1</p>' in applicant_notice
    assert '<h1 class="h2">Privacy notice for applicants</h1>' in applicant_notice
    assert '<p class="text-body-secondary">Version 2021-1</p>' in referee_notice
    assert '<h1 class="h2">Privacy notice for referees</h1>' in referee_notice


def test_weekend_labels_name_both_months_when_a_weekend_spans_them():
    import datetime as dt

    assert weekend_label(dt.date(2027, 1, 31), dt.date(2027, 2, 1), "London") == (
        "31 January–1 February in London"
    )
    assert weekend_label(dt.date(2021, 8, 7), dt.date(2021, 8, 8), "Leeds") == "7–8 August in Leeds"


def test_the_equality_selects_carry_no_maxlength(signed_in, open_edition):
    page = signed_in.get("/apply/equality/").content.decode()

    selects = re.findall(r"<select [^>]*>", page)
    assert len(selects) == 3
    assert [s for s in selects if "maxlength" in s] == []
    assert 'name="gender" maxlength="100"' in page


def test_phone_names_and_postcode_carry_input_hints(signed_in, open_edition):
    page = signed_in.get("/apply/about/").content.decode()

    assert re.search(r'<input type="tel" name="phone"[^>]*autocomplete="tel"', page)
    assert re.search(r'<input type="text" name="postcode"[^>]*autocomplete="postal-code"', page)
    assert re.search(r'<input type="text" name="first_name"[^>]*autocomplete="given-name"', page)
    assert re.search(r'<input type="text" name="last_name"[^>]*autocomplete="family-name"', page)
