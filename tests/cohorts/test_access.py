"""Per role: a facilitator of cohort A gets 404 for everything of cohort B; a participant sees
only their cohort; an applicant who was not accepted sees no cohort; the admin is staff's."""

import pytest

from tests.cohorts.factories import CohortFactory, ParticipantFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort_b(db):
    other = UserFactory(role="Facilitator", email="other.facilitator@example.org")
    cohort = CohortFactory(name="Leeds", weekend="b", facilitators=[other])
    ParticipantFactory(cohort=cohort)
    return cohort


def roster_urls(cohort):
    return [
        f"/facilitate/{cohort.pk}/",
        f"/facilitate/{cohort.pk}/sign-in/",
        f"/facilitate/{cohort.pk}/roster.csv",
        f"/facilitate/{cohort.pk}/roster.xlsx",
    ]


def test_facilitator_of_a_gets_404_for_every_page_and_export_of_b(
    client, facilitator, cohort_a, cohort_b
):
    client.force_login(facilitator)
    for url in roster_urls(cohort_a):
        assert client.get(url).status_code == 200, url
    for url in roster_urls(cohort_b):
        assert client.get(url).status_code == 404, url


def test_facilitator_roster_list_shows_only_their_cohorts(client, facilitator, cohort_a, cohort_b):
    client.force_login(facilitator)
    text = client.get("/facilitate/").content.decode()
    assert f"/facilitate/{cohort_a.pk}/" in text
    assert f"/facilitate/{cohort_b.pk}/" not in text


def test_facilitator_gets_no_admin_for_either_cohort(client, facilitator, cohort_a, cohort_b):
    client.force_login(facilitator)
    participant_b = cohort_b.participants.get()
    for url in [
        "/admin/cohorts/participant/",
        f"/admin/cohorts/participant/{participant_b.pk}/change/",
        f"/admin/cohorts/cohort/{cohort_b.pk}/change/",
        f"/admin/cohorts/cohort/{cohort_a.pk}/change/",
    ]:
        response = client.get(url)
        # Facilitators are not staff: the admin sends them to sign in, showing nothing.
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url


def test_facilitator_cannot_reach_the_allocation_page(client, facilitator, cohort_a):
    client.force_login(facilitator)
    assert client.get(f"/staff/cohorts/{cohort_a.edition_id}/allocation/").status_code == 404
    response = client.post(f"/staff/cohorts/{cohort_a.edition_id}/commit/", {"confirm": "yes"})
    assert response.status_code == 404


def test_programme_admin_sees_every_roster_and_the_admin(
    client, programme_admin, cohort_a, cohort_b
):
    client.force_login(programme_admin)
    for url in roster_urls(cohort_a) + roster_urls(cohort_b):
        assert client.get(url).status_code == 200, url
    participant_b = cohort_b.participants.get()
    assert client.get(f"/admin/cohorts/participant/{participant_b.pk}/change/").status_code == 200


def test_participant_sees_only_their_cohort(client, cohort_a, cohort_b):
    member = cohort_a.participants.select_related("person").first()
    client.force_login(member.person)
    text = client.get("/cohort/").content.decode()
    assert "Your cohort: London" in text
    names_b = [p.person.get_full_name() for p in cohort_b.participants.select_related("person")]
    assert all(name not in text for name in names_b)
    for url in roster_urls(cohort_a) + roster_urls(cohort_b):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/staff/cohorts/{cohort_a.edition_id}/allocation/").status_code == 404


def test_applicant_not_accepted_sees_no_cohort(client, cohort_a):
    from tests.applications.factories import ApplicationFactory

    application = ApplicationFactory(edition=cohort_a.edition, decision="unsuccessful")
    client.force_login(application.applicant)
    response = client.get("/cohort/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "You are not in a cohort" in text
    assert "London" not in text
    assert "Your cohort" not in client.get("/").content.decode()
    for url in roster_urls(cohort_a):
        assert client.get(url).status_code == 404, url


def test_withdrawn_participant_sees_no_cohort(client, cohort_a, programme_admin):
    from cohorts import services

    member = cohort_a.participants.select_related("person").first()
    services.participant_withdraw(participant=member, by=programme_admin, reason="Moved abroad")
    client.force_login(member.person)
    assert client.get("/cohort/").status_code == 404


def test_navigation_shows_each_role_its_pages(client, cohort_a, facilitator, programme_admin):
    member = cohort_a.participants.select_related("person").first()
    client.force_login(member.person)
    assert 'href="/cohort/"' in client.get("/").content.decode()
    client.force_login(facilitator)
    assert 'href="/facilitate/"' in client.get("/").content.decode()
    client.force_login(programme_admin)
    assert 'href="/staff/cohorts/"' in client.get("/").content.decode()


def test_signed_out_visitor_is_sent_to_sign_in(client, cohort_a):
    for url in ["/cohort/", *roster_urls(cohort_a)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"]
