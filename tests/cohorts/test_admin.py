"""Cohorts in the admin: programme admins edit venues and facilitators (facilitators only)."""

import pytest

from tests.cohorts.factories import CohortFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_facilitator_choices_are_people_with_the_role(client, programme_admin, facilitator):
    cohort = CohortFactory(name="London")
    applicant = UserFactory(email="not.a.facilitator@example.org")
    client.force_login(programme_admin)
    url = f"/admin/cohorts/cohort/{cohort.pk}/change/"
    text = client.get(url).content.decode()
    assert "Fay Cilitator" in text
    assert "not.a.facilitator@example.org" not in text
    data = {
        "edition": cohort.edition_id,
        "name": "London",
        "weekend": "a",
        "capacity": 20,
        "venue_city": "London",
        "venue_name": "Bishopsgate Institute",
        "venue_address": "230 Bishopsgate",
        "venue_access_notes": "Step-free",
        "facilitators": [applicant.pk],
    }
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert "Select a valid choice" in response.content.decode()
    assert not cohort.facilitators.exists()
    response = client.post(url, {**data, "facilitators": [facilitator.pk]})
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.venue_name == "Bishopsgate Institute"
    assert list(cohort.facilitators.all()) == [facilitator]


def test_reviewer_cannot_see_cohorts_in_the_admin(client, cohort_a):
    reviewer = UserFactory(role="Reviewer")
    client.force_login(reviewer)
    assert client.get(f"/admin/cohorts/cohort/{cohort_a.pk}/change/").status_code == 403
    assert client.get("/admin/cohorts/participant/").status_code == 403
    assert client.get(f"/staff/cohorts/{cohort_a.edition_id}/allocation/").status_code == 404


def test_hostile_staff_posts_answer_with_messages_not_errors(
    client, programme_admin, two_cohorts, places
):
    edition = two_cohorts[0].edition
    client.force_login(programme_admin)
    for url, data in [
        (f"/staff/cohorts/{edition.pk}/pin/", {"application": "x", "cohort": "y"}),
        (f"/staff/cohorts/{edition.pk}/pin/", {"application": "999999", "cohort": ""}),
        (f"/staff/cohorts/{edition.pk}/pin/", {"application": places[0].pk, "cohort": "99999"}),
        (f"/staff/cohorts/{edition.pk}/place-new/", {}),
        (f"/staff/cohorts/{edition.pk}/offer-next/", {}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 302, url
    assert client.post("/staff/cohorts/999999/commit/", {"confirm": "yes"}).status_code == 404
    assert client.post("/staff/cohorts/participants/999999/move/", {}).status_code == 404
