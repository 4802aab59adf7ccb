"""After commit: moves (audited, one email per move), staff withdrawals, and a freed place
backfilled from the waitlist without moving anyone else."""

import pytest

from applications.models import Application
from cohorts import services
from cohorts.models import Participant, ParticipantChange
from panitch.models import OutboxEmail
from tests.applications.factories import ApplicationFactory
from tests.cohorts.factories import confirmed_place
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(two_cohorts, places, programme_admin):
    services.allocation_commit(edition=two_cohorts[0].edition, by=programme_admin)
    return two_cohorts


def participant(email):
    return Participant.objects.select_related("cohort").get(person__email=email)


def test_move_after_commit_is_audited_and_emailed_once(client, committed, programme_admin):
    london, leeds = committed
    cat = participant("cat@example.org")
    assert cat.cohort == leeds
    client.force_login(programme_admin)
    response = client.post(
        f"/staff/cohorts/participants/{cat.pk}/move/", {"cohort": london.pk, "reason": "Moved"}
    )
    assert response.status_code == 302
    cat.refresh_from_db()
    assert cat.cohort == london
    change = ParticipantChange.objects.get(participant=cat)
    assert (
        change.kind,
        change.from_cohort,
        change.to_cohort,
        change.changed_by,
        change.reason,
    ) == (
        "moved",
        leeds,
        london,
        programme_admin,
        "Moved",
    )
    moved = OutboxEmail.objects.filter(kind="cohort_moved")
    assert [(e.to, e.idempotency_key) for e in moved] == [
        ("cat@example.org", f"cohort_moved:{change.pk}")
    ]
    assert "from the Leeds cohort to the London cohort" in moved.get().body_text
    # Moving her back is a second change and a second email; nobody else hears anything.
    services.participant_move(participant=cat, cohort=leeds, by=programme_admin)
    assert sorted(OutboxEmail.objects.filter(kind="cohort_moved").values_list("to", flat=True)) == [
        "cat@example.org",
        "cat@example.org",
    ]
    assert ParticipantChange.objects.filter(participant=cat).count() == 2


def test_move_to_a_weekend_they_cannot_attend_is_refused(client, committed, programme_admin):
    london, leeds = committed
    ada = participant("ada@example.org")  # weekend A only
    client.force_login(programme_admin)
    response = client.post(
        f"/staff/cohorts/participants/{ada.pk}/move/", {"cohort": leeds.pk}, follow=True
    )
    assert "Ada London can only come to Weekend A, and Leeds meets on Weekend B." in (
        response.content.decode()
    )
    assert participant("ada@example.org").cohort == london
    assert not ParticipantChange.objects.exists()
    assert not OutboxEmail.objects.filter(kind="cohort_moved").exists()


def test_move_into_a_full_cohort_is_refused(committed, programme_admin):
    london, leeds = committed
    london.capacity = 2
    london.save(update_fields=["capacity"])
    with pytest.raises(Exception, match="London is full"):
        services.participant_move(
            participant=participant("cat@example.org"), cohort=london, by=programme_admin
        )


def test_staff_withdrawal_needs_a_reason_and_frees_the_place(client, committed, programme_admin):
    ben = participant("ben@example.org")
    client.force_login(programme_admin)
    client.post(f"/staff/cohorts/participants/{ben.pk}/withdraw/", {"reason": ""})
    assert participant("ben@example.org").status == "active"
    client.post(f"/staff/cohorts/participants/{ben.pk}/withdraw/", {"reason": "Unwell"})
    ben.refresh_from_db()
    assert (ben.status, ben.withdrawal_reason, ben.withdrawn_by) == (
        "withdrawn",
        "Unwell",
        programme_admin,
    )
    assert ParticipantChange.objects.get(participant=ben).kind == "withdrawn"
    assert Application.objects.get(pk=ben.application_id).offer_status == "withdrawn"


def test_freed_place_backfilled_from_the_waitlist_moves_nobody_else(
    client, committed, programme_admin
):
    london, leeds = committed
    edition = london.edition
    edition.cohort_size = 2  # 4 places in all, all taken
    edition.save(update_fields=["cohort_size"])
    waiting = ApplicationFactory(
        edition=edition,
        decision="waitlisted",
        waitlist_rank=1,
        applicant=UserFactory(first_name="Wyn", email="wyn@example.org"),
    )
    before = dict(Participant.objects.values_list("pk", "cohort_id"))
    services.participant_withdraw(
        participant=participant("ben@example.org"), by=programme_admin, reason="New job"
    )
    client.force_login(programme_admin)
    text = client.get(f"/staff/cohorts/{edition.pk}/allocation/").content.decode()
    assert "1 place free, 1 on the waitlist." in text
    client.post(f"/staff/cohorts/{edition.pk}/offer-next/")
    assert OutboxEmail.objects.filter(kind="offer_from_waitlist", to="wyn@example.org").count() == 1
    # Wyn confirms (weekend B only) through the offer page.
    from applications.decisions import offer_respond

    offer_respond(application=waiting, by=waiting.applicant, accept=True, weekend="b")
    text = client.get(f"/staff/cohorts/{edition.pk}/allocation/").content.decode()
    assert "Allocate the 1 confirmed newcomer to free places" in text
    client.post(f"/staff/cohorts/{edition.pk}/place-new/")
    wyn = participant("wyn@example.org")
    assert wyn.cohort == leeds
    after = dict(Participant.objects.exclude(pk=wyn.pk).values_list("pk", "cohort_id"))
    assert after == before
    assert ParticipantChange.objects.get(participant=wyn).kind == "allocated"
    assert OutboxEmail.objects.filter(kind="cohort_allocated", to="wyn@example.org").count() == 1


def test_newcomer_with_no_free_place_is_told_so(committed, programme_admin):
    london, leeds = committed
    for cohort in committed:
        cohort.capacity = 2
        cohort.save(update_fields=["capacity"])
    confirmed_place(london.edition, weekend="a")
    with pytest.raises(Exception, match="No cohort has a free place"):
        services.participants_place_new(edition=london.edition, by=programme_admin)
    assert Participant.objects.count() == 4


def test_a_withdrawn_participant_sees_they_left_not_that_they_declined(
    client, committed, programme_admin
):
    ben = participant("ben@example.org")
    services.participant_withdraw(participant=ben, by=programme_admin, reason="Moving abroad")
    client.force_login(ben.person)
    text = client.get("/application/").content.decode()
    assert "You left the programme after confirming your place." in text
    assert "You declined your place." not in text


def test_only_a_confirmed_place_can_be_given_up(committed, programme_admin):
    from django.core.exceptions import ValidationError

    from applications import decisions

    waiting = ApplicationFactory(edition=committed[0].edition, decision="waitlisted")
    with pytest.raises(ValidationError, match="Only a confirmed place can be given up."):
        decisions.place_give_up(application=waiting, by=programme_admin)
    assert Application.objects.get(pk=waiting.pk).offer_status == ""
