"""Every list page of the schedule costs the same number of queries whatever its rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions.models import Attendance, FreeSessionRequest, FreeSessionSupport
from tests.cohorts.factories import ParticipantFactory
from tests.factories import UserFactory
from tests.sessions.conftest import signed_in
from tests.sessions.reminder_factories import SessionFactory


def count(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def grow_schedule(cohort, n):
    for _ in range(n):
        session = SessionFactory(cohort=cohort, starts_at=timezone.now())
        session.facilitators.add(UserFactory(role="Facilitator"))
        participant = ParticipantFactory(cohort=cohort)
        Attendance.objects.create(
            session=session,
            participant=participant,
            status="present",
            recorded_at=timezone.now(),
        )


@pytest.mark.parametrize(
    "url",
    [
        "/staff/schedule/{edition}/",
        "/staff/schedule/{edition}/completion/",
        "/staff/schedule/{edition}/completion/?format=csv",
    ],
)
def test_staff_schedule_pages_do_not_grow_with_rows(edition, london, admin_user, url):
    client = signed_in(admin_user)
    url = url.format(edition=edition.pk)
    grow_schedule(london, 2)
    few = count(client, url)
    grow_schedule(london, 10)

    assert count(client, url) == few


@pytest.mark.parametrize("who", ["participant", "facilitator"])
def test_the_free_sessions_page_does_not_grow_with_requests(
    london, londoner, london_facilitator, who
):
    SessionFactory(cohort=london, strand="free", starts_at=None, joining_url="")
    client = signed_in(londoner.person if who == "participant" else london_facilitator)

    def grow(n):
        for _ in range(n):
            item = FreeSessionRequest.objects.create(
                cohort=london,
                requested_by=ParticipantFactory(cohort=london),
                kind="request",
                topic="A topic",
            )
            FreeSessionSupport.objects.create(request=item, participant=londoner)

    grow(2)
    few = count(client, "/schedule/free-sessions/")
    grow(10)

    assert count(client, "/schedule/free-sessions/") == few


@pytest.mark.parametrize(
    "path", ["session", "attendance", "freesessionrequest", "schedulesettings"]
)
def test_the_schedule_admin_lists_do_not_grow_with_rows(edition, london, path):
    client = signed_in(UserFactory(role="Programme admin"))
    url = f"/admin/schedule/{path}/"
    grow_schedule(london, 2)
    FreeSessionRequest.objects.create(
        cohort=london, requested_by=ParticipantFactory(cohort=london), kind="offer", topic="T"
    )
    few = count(client, url)
    grow_schedule(london, 8)
    for _ in range(5):
        FreeSessionRequest.objects.create(
            cohort=london,
            requested_by=ParticipantFactory(cohort=london),
            kind="offer",
            topic="T",
        )

    assert count(client, url) == few
