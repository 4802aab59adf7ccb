"""A participant's "my cohort" page and their answers before the weekend."""

import pytest

from cohorts.models import Participant
from tests.cohorts.factories import CohortFactory, ParticipantFactory, confirmed_place
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(facilitator):
    cohort = CohortFactory(
        name="London",
        venue_name="Bishopsgate Institute",
        venue_address="230 Bishopsgate",
        venue_access_notes="Step-free entrance",
        facilitators=[facilitator],
    )
    return cohort


def member(cohort, first, *, share=False, **fields):
    return ParticipantFactory(
        cohort=cohort,
        share_contact=share,
        application=confirmed_place(
            cohort.edition,
            applicant=UserFactory(
                first_name=first, last_name="Member", email=f"{first.lower()}@example.org"
            ),
            phone=f"07700 90000{len(first)}",
            **fields,
        ),
    )


def test_my_cohort_shows_venue_weekend_facilitators_and_members(client, cohort):
    me = member(cohort, "Nia")
    member(cohort, "Sharer", share=True, local_group="Hackney Momentum", project_title="Renters")
    member(cohort, "Private", local_group="Leeds Momentum", project_title="Education nights")
    client.force_login(me.person)
    text = client.get("/cohort/").content.decode()
    assert "Your cohort: London" in text
    assert "Bishopsgate Institute, London" in text
    assert "Step-free entrance" in text
    first, last = cohort.edition.weekend_a_starts_on, cohort.edition.weekend_a_ends_on
    assert f"Weekend A: {first:%A} 7 August to {last:%A} 8 August {last.year}" in text
    assert "Fay Cilitator" in text
    assert "The others in your cohort (2)" in text
    assert "Sharer Member" in text and "Private Member" in text
    assert "Local group: Hackney Momentum" in text and "Project: Education nights" in text
    # Contact details only of those who opted in.
    assert "sharer@example.org" in text
    assert "private@example.org" not in text
    assert "07700 900007" not in text  # Private's phone


def test_withdrawn_members_are_not_listed(client, cohort, programme_admin):
    from cohorts import services

    me = member(cohort, "Nia")
    gone = member(cohort, "Gone")
    services.participant_withdraw(participant=gone, by=programme_admin, reason="Ill")
    client.force_login(me.person)
    assert "Gone Member" not in client.get("/cohort/").content.decode()


def test_participant_saves_share_contact_and_dietary_needs(client, cohort):
    me = member(cohort, "Nia")
    client.force_login(me.person)
    response = client.post(
        "/cohort/", {"share_contact": "on", "dietary_needs": "  Vegan, no nuts  "}
    )
    assert response.status_code == 302
    me.refresh_from_db()
    assert (me.share_contact, me.dietary_needs) == (True, "Vegan, no nuts")


def test_too_long_dietary_needs_is_refused_next_to_the_field(client, cohort):
    me = member(cohort, "Nia")
    client.force_login(me.person)
    response = client.post("/cohort/", {"dietary_needs": "x" * 2001})
    assert response.status_code == 400
    assert "Ensure this value has at most 2000 characters" in response.content.decode()
    me.refresh_from_db()
    assert me.dietary_needs == ""


def test_participant_withdraws_with_a_reason(client, cohort):
    me = member(cohort, "Nia")
    client.force_login(me.person)
    response = client.post("/cohort/withdraw/", {"reason": "", "confirm": "on"})
    assert response.status_code == 400
    assert Participant.objects.get(pk=me.pk).status == "active"
    response = client.post("/cohort/withdraw/", {"reason": "A new job", "confirm": "on"})
    assert response.status_code == 302
    me.refresh_from_db()
    assert (me.status, me.withdrawal_reason, me.withdrawn_by) == (
        "withdrawn",
        "A new job",
        me.person,
    )
    change = me.changes.get()
    assert (change.kind, change.from_cohort, change.reason) == ("withdrawn", cohort, "A new job")
