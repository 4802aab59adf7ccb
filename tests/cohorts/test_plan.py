"""The allocation page: preview, pins, re-runs, commit, and bad input as plain messages."""

import pytest

from cohorts import services
from cohorts.models import AllocationPin, Cohort, Participant
from panitch.models import OutboxEmail
from tests.cohorts.factories import confirmed_place

pytestmark = pytest.mark.django_db


def page(client, edition):
    return client.get(f"/staff/cohorts/{edition.pk}/allocation/")


def test_create_default_cohorts_named_by_city_sized_by_edition(client, programme_admin, edition):
    client.force_login(programme_admin)
    response = client.post(f"/staff/cohorts/{edition.pk}/create/")
    assert response.status_code == 302
    assert list(
        Cohort.objects.filter(edition=edition).values_list("name", "weekend", "capacity")
    ) == [("London", "a", 20), ("Leeds", "b", 20)]
    # Twice changes nothing.
    client.post(f"/staff/cohorts/{edition.pk}/create/")
    assert Cohort.objects.filter(edition=edition).count() == 2


def test_preview_places_everyone_by_journey(client, programme_admin, two_cohorts, places):
    client.force_login(programme_admin)
    plan = services.allocation_plan(edition=two_cohorts[0].edition)
    assert plan.status == "optimal"
    assert plan.problems == []
    assigned = {
        cohort_plan.cohort.name: sorted(
            row.application.applicant.first_name for row in cohort_plan.rows
        )
        for cohort_plan in plan.cohorts
    }
    assert assigned == {"London": ["Ada", "Dev"], "Leeds": ["Ben", "Cat"]}
    assert plan.total_burden == 0
    text = page(client, two_cohorts[0].edition).content.decode()
    assert "Solver: <strong>optimal</strong>" in text
    assert "London (Weekend A): 2 of 20" in text
    assert "Commit the allocation" in text


def test_pin_holds_on_rerun_and_is_stored(client, programme_admin, two_cohorts, places):
    london, leeds = two_cohorts
    cat = places[2]
    client.force_login(programme_admin)
    response = client.post(
        f"/staff/cohorts/{london.edition.pk}/pin/", {"application": cat.pk, "cohort": london.pk}
    )
    assert response.status_code == 302
    assert AllocationPin.objects.get(application=cat).cohort == london
    for _ in range(2):  # the same pins always give the same plan
        plan = services.allocation_plan(edition=london.edition)
        names = {
            c.cohort.name: sorted(r.application.applicant.first_name for r in c.rows)
            for c in plan.cohorts
        }
        assert names == {"London": ["Ada", "Cat", "Dev"], "Leeds": ["Ben"]}
    assert "pinned" in page(client, london.edition).content.decode()
    client.post(f"/staff/cohorts/{london.edition.pk}/pin/", {"application": cat.pk, "cohort": ""})
    assert not AllocationPin.objects.exists()


def test_pin_to_a_weekend_they_cannot_attend_is_refused_with_a_message(
    client, programme_admin, two_cohorts, places
):
    london, leeds = two_cohorts
    client.force_login(programme_admin)
    response = client.post(
        f"/staff/cohorts/{london.edition.pk}/pin/",
        {"application": places[0].pk, "cohort": leeds.pk},
        follow=True,
    )
    assert "Ada London can only come to Weekend A, and Leeds meets on Weekend B." in (
        response.content.decode()
    )
    assert not AllocationPin.objects.exists()


def test_too_many_for_one_weekend_is_explained_and_nothing_committed(
    client, programme_admin, edition
):
    london, leeds = services.cohorts_create_default(edition=edition)
    Cohort.objects.filter(pk=london.pk).update(capacity=2)
    for _ in range(3):
        confirmed_place(edition, weekend="a")
    client.force_login(programme_admin)
    text = page(client, edition).content.decode()
    assert "The plan cannot be committed yet" in text
    assert "Commit the allocation" not in text
    response = client.post(f"/staff/cohorts/{edition.pk}/commit/", {"confirm": "yes"}, follow=True)
    assert response.status_code == 200
    assert "Nothing was committed." in response.content.decode()
    assert not Participant.objects.exists()
    assert not OutboxEmail.objects.exists()


def test_cohort_with_no_capacity_and_place_with_no_weekend_are_named(
    client, programme_admin, edition
):
    london, leeds = services.cohorts_create_default(edition=edition)
    Cohort.objects.filter(pk=leeds.pk).update(capacity=0)
    nobody = confirmed_place(edition, weekend="")
    client.force_login(programme_admin)
    text = page(client, edition).content.decode()
    assert "Leeds has no places (capacity 0): give it a capacity or delete it." in text
    assert f"({nobody.reference_number}) confirmed their place without saying which weekend" in text
    response = client.post(f"/staff/cohorts/{edition.pk}/commit/", {"confirm": "yes"})
    assert response.status_code == 302
    assert not Participant.objects.exists()


def test_pins_that_cannot_all_hold_are_explained(client, programme_admin, edition):
    london, leeds = services.cohorts_create_default(edition=edition)
    Cohort.objects.filter(pk=london.pk).update(capacity=1)
    london.refresh_from_db()
    for _ in range(2):
        application = confirmed_place(edition, weekend="both")
        AllocationPin.objects.create(application=application, cohort=london)
    client.force_login(programme_admin)
    text = page(client, edition).content.decode()
    assert "2 people are pinned to London, which has 1 places: unpin some or add capacity." in text


def test_commit_needs_the_confirmation_box(client, programme_admin, two_cohorts, places):
    client.force_login(programme_admin)
    response = client.post(f"/staff/cohorts/{two_cohorts[0].edition.pk}/commit/", follow=True)
    assert "Tick the box to confirm the commit." in response.content.decode()
    assert not Participant.objects.exists()


def test_commit_creates_participants_and_queues_one_email_each(
    client, programme_admin, two_cohorts, places, facilitator
):
    london, leeds = two_cohorts
    london.facilitators.add(facilitator)
    edition = london.edition
    client.force_login(programme_admin)
    client.post(f"/staff/cohorts/{edition.pk}/commit/", {"confirm": "yes"})
    assert sorted(Participant.objects.values_list("person__email", "cohort__name")) == [
        ("ada@example.org", "London"),
        ("ben@example.org", "Leeds"),
        ("cat@example.org", "Leeds"),
        ("dev@example.org", "London"),
    ]
    emails = {e.to: e for e in OutboxEmail.objects.filter(kind="cohort_allocated")}
    assert sorted(emails) == [
        "ada@example.org",
        "ben@example.org",
        "cat@example.org",
        "dev@example.org",
    ]
    ada = emails["ada@example.org"]
    assert (
        ada.subject == f"Your cohort on the Leo Panitch Leadership Programme {edition.name}: London"
    )
    assert "Facilitators: Fay Cilitator" in ada.body_text
    first, last = edition.weekend_a_starts_on, edition.weekend_a_ends_on
    assert f"{first:%A} 7 August to {last:%A} 8 August {last.year}" in ada.body_text
    # Committing again is refused; nobody gets a second email.
    response = client.post(f"/staff/cohorts/{edition.pk}/commit/", {"confirm": "yes"}, follow=True)
    assert "allocation is committed" in response.content.decode()
    assert OutboxEmail.objects.filter(kind="cohort_allocated").count() == 4
    assert not AllocationPin.objects.exists()


def test_pin_after_commit_is_refused(client, programme_admin, two_cohorts, places):
    edition = two_cohorts[0].edition
    services.allocation_commit(edition=edition, by=programme_admin)
    newcomer = confirmed_place(edition, weekend="a")
    client.force_login(programme_admin)
    response = client.post(
        f"/staff/cohorts/{edition.pk}/pin/",
        {"application": newcomer.pk, "cohort": two_cohorts[0].pk},
        follow=True,
    )
    assert "move participants one by one instead" in response.content.decode()
