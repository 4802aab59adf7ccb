"""No URL or parameter a person can type answers 500 (PostgreSQL refuses NUL in text)."""

from applications.models import OutcomeEmail
from tests.applications.factories import application_with_referees


def test_a_reference_link_with_a_nul_character_answers_400(client, db):
    response = client.get("/reference/%00/")

    assert response.status_code == 400
    assert "We could not read that address" in response.content.decode()


def test_a_reference_link_with_a_nul_in_the_query_answers_400(client, db):
    assert client.get("/reference/some-token/?x=%00").status_code == 400


def test_a_nul_in_a_cookie_answers_400(client, db):
    client.cookies["sessionid"] = "abc\x00def"

    assert client.get("/").status_code == 400


def test_the_admin_autocomplete_with_a_nul_term_answers_400(client_for, programme_admin_user):
    query = "app_label=applications&model_name=application&field_name=applicant"

    response = client_for(programme_admin_user).get(f"/admin/autocomplete/?{query}&term=%00")

    assert response.status_code == 400


def test_the_admin_autocomplete_still_searches(client_for, programme_admin_user, open_edition):
    application = application_with_referees(edition=open_edition)
    query = "app_label=applications&model_name=application&field_name=applicant"
    term = application.applicant.email

    response = client_for(programme_admin_user).get(f"/admin/autocomplete/?{query}&term={term}")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(application.applicant.pk)]


def test_outcome_preview_with_a_superscript_digit_shows_the_latest_application(
    client_for, programme_admin_user, open_edition
):
    older = application_with_referees(edition=open_edition, decision="accepted")
    latest = application_with_referees(edition=open_edition, decision="accepted")
    wording = OutcomeEmail.objects.create(decision="accepted", subject="Hi", body_text="Hi")
    url = f"/admin/applications/outcomeemail/{wording.pk}/preview/"
    admin = client_for(programme_admin_user)

    chosen = admin.get(url, {"application": "\u00b2"}).context["application"]
    asked = admin.get(url, {"application": str(older.pk)}).context["application"]

    assert (chosen, asked) == (latest, older)
