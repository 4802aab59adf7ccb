"""Free sessions: after their weekend participants request or offer a topic, others in the
cohort support it once each, facilitators see them ranked and turn one into a free slot, which
tells the requester and supporters once."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from panitch.models import OutboxEmail
from sessions import services
from sessions.models import FreeSessionRequest, FreeSessionSupport
from tests.cohorts.factories import CohortFactory, ParticipantFactory
from tests.sessions.conftest import signed_in
from tests.sessions.reminder_factories import SessionFactory


@pytest.fixture
def slot(london):
    return SessionFactory(
        cohort=london, strand="free", title="Free session", starts_at=None, joining_url=""
    )


def test_a_participant_requests_a_topic_after_their_weekend(london, londoner):
    response = signed_in(londoner.person).post(
        "/schedule/free-sessions/",
        {"kind": "request", "topic": "Tenants' unions", "details": "How to start one."},
    )

    assert response.status_code == 302
    item = FreeSessionRequest.objects.get()
    assert (item.cohort, item.requested_by, item.kind, item.topic) == (
        london,
        londoner,
        "request",
        "Tenants' unions",
    )


def test_requests_open_only_after_the_cohorts_weekend(edition):
    today = timezone.localdate()
    cohort = CohortFactory(edition=edition, weekend="a")
    edition.weekend_a_ends_on = today + dt.timedelta(days=3)
    edition.save()
    participant = ParticipantFactory(cohort=cohort)

    with pytest.raises(ValidationError):
        services.free_request_create(participant=participant, kind="offer", topic="Reading group")
    page = signed_in(participant.person).get("/schedule/free-sessions/").content.decode()

    assert "You can request or offer a topic after your in-person weekend" in page
    assert not FreeSessionRequest.objects.exists()


def test_others_in_the_cohort_support_a_request_once_each(london, londoner):
    item = FreeSessionRequest.objects.create(
        cohort=london, requested_by=londoner, kind="request", topic="Tenants' unions"
    )
    supporter = ParticipantFactory(cohort=london)
    client = signed_in(supporter.person)

    client.post(f"/schedule/free-sessions/{item.pk}/support/")
    client.post(f"/schedule/free-sessions/{item.pk}/support/")

    assert list(FreeSessionSupport.objects.values_list("participant", flat=True)) == [supporter.pk]
    page = client.get("/schedule/free-sessions/").content.decode()
    assert "You support this." in page
    assert '<span class="support-count">1 support</span>' in page


def test_nobody_supports_their_own_or_another_cohorts_request(
    london, leeds, londoner, leeds_participant
):
    item = FreeSessionRequest.objects.create(
        cohort=london, requested_by=londoner, kind="request", topic="Tenants' unions"
    )

    signed_in(londoner.person).post(f"/schedule/free-sessions/{item.pk}/support/")
    response = signed_in(leeds_participant.person).post(
        f"/schedule/free-sessions/{item.pk}/support/"
    )

    assert response.status_code == 404
    assert not FreeSessionSupport.objects.exists()


def test_facilitators_see_requests_ranked_by_support(london, londoner, london_facilitator):
    quiet = FreeSessionRequest.objects.create(
        cohort=london, requested_by=londoner, kind="offer", topic="Reading groups"
    )
    popular = FreeSessionRequest.objects.create(
        cohort=london, requested_by=londoner, kind="request", topic="Tenants' unions"
    )
    for _ in range(2):
        FreeSessionSupport.objects.create(
            request=popular, participant=ParticipantFactory(cohort=london)
        )
    FreeSessionSupport.objects.create(request=quiet, participant=ParticipantFactory(cohort=london))

    page = signed_in(london_facilitator).get("/schedule/free-sessions/").content.decode()

    assert page.index("Tenants&#x27; unions") < page.index("Reading groups")
    assert '<span class="support-count">2 supports</span>' in page


def test_turning_a_request_into_a_session_tells_requester_and_supporters_once(
    london, londoner, london_facilitator, slot
):
    item = FreeSessionRequest.objects.create(
        cohort=london,
        requested_by=londoner,
        kind="request",
        topic="Tenants' unions",
        details="How to start one.",
    )
    supporter = ParticipantFactory(cohort=london)
    FreeSessionSupport.objects.create(request=item, participant=supporter)
    client = signed_in(london_facilitator)

    response = client.post(
        f"/schedule/free-sessions/{item.pk}/schedule/", {f"r{item.pk}-session": slot.pk}
    )
    again = client.post(
        f"/schedule/free-sessions/{item.pk}/schedule/", {f"r{item.pk}-session": slot.pk}
    )

    assert response["Location"] == f"/schedule/sessions/{slot.pk}/"
    assert again.status_code == 302
    slot.refresh_from_db()
    item.refresh_from_db()
    assert (slot.title, slot.description, item.session) == (
        "Tenants' unions",
        "How to start one.",
        slot,
    )
    emails = OutboxEmail.objects.filter(kind="free_session_scheduled")
    assert sorted(emails.values_list("to", flat=True)) == sorted(
        [londoner.person.email, supporter.person.email]
    )
    assert emails.get(to=londoner.person.email).subject == (
        "Your free session is on the schedule: Tenants' unions"
    )
    assert "When: to be confirmed" in emails.get(to=supporter.person.email).body_text


def test_only_a_free_slot_of_the_cohort_can_take_a_request(
    london, leeds, londoner, london_facilitator, leeds_facilitator, slot
):
    item = FreeSessionRequest.objects.create(
        cohort=london, requested_by=londoner, kind="request", topic="Tenants' unions"
    )
    not_free = SessionFactory(cohort=london, strand="political")

    with pytest.raises(ValidationError):
        services.free_request_schedule(request=item, session=not_free, by=london_facilitator)
    other = signed_in(leeds_facilitator).post(
        f"/schedule/free-sessions/{item.pk}/schedule/", {f"r{item.pk}-session": slot.pk}
    )

    assert other.status_code == 404
    item.refresh_from_db()
    assert item.session is None
    assert not OutboxEmail.objects.filter(kind="free_session_scheduled").exists()
