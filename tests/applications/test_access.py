"""Who sees what: applicants only their own, staff by role, referees by link; markup escaped."""

import pytest

from applications.models import Application, ReviewAssignment
from tests.applications.conftest import STEP_DATA
from tests.applications.helpers import reference_link
from tests.factories import UserFactory

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.mark.parametrize("path", ["/apply/", "/apply/about/", "/apply/review/", "/application/"])
def test_anonymous_visitors_are_sent_to_sign_in(client, open_edition, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_another_applicant_sees_only_their_own_application(client, submitted):
    jess = UserFactory(email="jess@example.org", first_name="Jess", last_name="Morgan")
    client.force_login(jess)

    dashboard = client.get("/application/").content.decode()
    assert "You have not started an application." in dashboard
    assert "Start your application" in dashboard
    assert submitted.reference_number not in dashboard
    assert client.get("/apply/review/")["Location"] == "/apply/"
    assert "Harehills" not in client.get("/apply/project/").content.decode()

    client.post("/apply/project/", {**STEP_DATA["project"], "project_title": "Jess's project"})
    review = client.get("/apply/review/").content.decode()
    assert "<dt>Title</dt><dd>Jess&#x27;s project</dd>" in review
    assert "Harehills" not in review
    assert "Sam Okafor" not in review
    assert client.get("/apply/")["Location"] == "/apply/about/"

    client.post("/apply/withdraw/")
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    assert Application.objects.get(applicant=jess).status == "withdrawn"


def test_a_referee_link_works_without_an_account(referee_client, submitted):
    response = referee_client.get(reference_link("reference_request", "ref.two@example.org"))

    assert response.status_code == 200
    assert '<h1 class="h2">A reference for Sam Okafor</h1>' in response.content.decode()


def test_markup_in_an_answer_is_shown_as_text_on_the_review_page(signed_in, open_edition, fill_in):
    fill_in(project={"project_title": SCRIPT}, referees={"referee1-name": SCRIPT})

    page = signed_in.get("/apply/review/").content.decode()

    assert SCRIPT not in page
    assert f"<dt>Title</dt><dd>{ESCAPED}</dd>" in page
    assert f"<dd>{ESCAPED}, Secretary, Leeds Momentum" in page


def test_markup_in_an_answer_is_shown_as_text_in_the_admin(
    client, signed_in, open_edition, fill_in
):
    fill_in(project={"project_title": SCRIPT}, referees={"referee1-name": SCRIPT})
    signed_in.post("/apply/review/")
    application = Application.objects.get()
    reviewer = UserFactory(role="Reviewer")
    ReviewAssignment.objects.create(application=application, reviewer=reviewer)
    client.force_login(reviewer)

    page = client.get(f"/admin/applications/application/{application.pk}/change/")

    content = page.content.decode()
    assert page.status_code == 200
    assert SCRIPT not in content
    assert f'<div class="readonly">{ESCAPED}</div>' in content
    found = client.get("/admin/applications/application/?q=alert")
    assert list(found.context["cl"].result_list) == [application]
    assert SCRIPT not in found.content.decode()


# Staff roles in the admin


def test_a_reviewer_reads_assigned_applications_in_the_admin_blind(client, submitted):
    reviewer = UserFactory(role="Reviewer")
    ReviewAssignment.objects.create(application=submitted, reviewer=reviewer)
    client.force_login(reviewer)

    listing = client.get("/admin/applications/application/")
    change = client.get(f"/admin/applications/application/{submitted.pk}/change/")

    assert list(listing.context["cl"].result_list) == [submitted]
    assert "Sam Okafor" not in listing.content.decode()
    page = change.content.decode()
    assert change.status_code == 200
    assert "<h1>View application</h1>" in page
    assert 'name="_save"' not in page
    assert "Harehills renters&#x27; political education series" in page
    for identifying in ("Sam Okafor", "sam@example.org", "07700 900123", "Ada Referee"):
        assert identifying not in page


def test_a_reviewer_sees_names_when_the_edition_is_not_blind(client, submitted):
    submitted.edition.blind_review = False
    submitted.edition.save(update_fields=["blind_review"])
    reviewer = UserFactory(role="Reviewer")
    ReviewAssignment.objects.create(application=submitted, reviewer=reviewer)
    client.force_login(reviewer)

    page = client.get(f"/admin/applications/application/{submitted.pk}/change/")

    assert "Sam Okafor" in page.content.decode()
    assert "Ada Referee" in page.content.decode()


def test_a_reviewer_does_not_see_applications_not_assigned_to_them(client, submitted):
    client.force_login(UserFactory(role="Reviewer"))

    listing = client.get("/admin/applications/application/")
    change = client.get(f"/admin/applications/application/{submitted.pk}/change/")

    assert list(listing.context["cl"].result_list) == []
    assert change.status_code == 302


def test_a_reviewer_cannot_change_an_application(client, submitted):
    client.force_login(UserFactory(role="Reviewer"))

    response = client.post(
        f"/admin/applications/application/{submitted.pk}/change/",
        {"project_title": "Changed by a reviewer", "status": "withdrawn", "_save": "Save"},
    )

    assert response.status_code == 403
    submitted.refresh_from_db()
    assert (submitted.project_title, submitted.status) == (
        "Harehills renters' political education series",
        "submitted",
    )


def test_a_programme_admin_can_view_applications_but_every_answer_is_read_only(client, submitted):
    client.force_login(UserFactory(role="Programme admin"))

    listing = client.get("/admin/applications/application/")
    change = client.get(f"/admin/applications/application/{submitted.pk}/change/")

    assert listing.status_code == 200
    assert change.status_code == 200
    page = change.content.decode()
    assert 'name="project_title"' not in page
    assert 'name="status"' not in page
    assert "Harehills renters&#x27; political education series" in page
    assert client.get("/admin/applications/application/add/").status_code == 403
    assert client.get(f"/admin/applications/application/{submitted.pk}/delete/").status_code == 403


@pytest.mark.parametrize("role", ["Facilitator", None])
def test_facilitators_and_applicants_cannot_open_the_applications_admin(client, submitted, role):
    client.force_login(UserFactory(role=role))

    listing = client.get("/admin/applications/application/", follow=True)
    change = client.get(f"/admin/applications/application/{submitted.pk}/change/", follow=True)

    assert (listing.status_code, change.status_code) == (403, 403)
    assert "Harehills" not in listing.content.decode() + change.content.decode()


def test_the_applicant_cannot_open_the_admin_for_their_own_application(client, submitted):
    response = client.get(f"/admin/applications/application/{submitted.pk}/change/", follow=True)

    assert response.status_code == 403
