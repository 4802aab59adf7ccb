"""The register (facilitators of the session's cohort and staff, once it has started), a
participant's own record, completion per participant, who is at risk, and the CSV export."""

import csv
import datetime as dt
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions.models import Attendance, ScheduleSettings
from sessions.selectors import completion
from tests.cohorts.factories import ParticipantFactory
from tests.factories import UserFactory
from tests.sessions.conftest import signed_in
from tests.sessions.reminder_factories import SessionFactory

HOUR = dt.timedelta(hours=1)


def started(cohort, **kwargs):
    starts = timezone.now() - HOUR
    return SessionFactory(cohort=cohort, starts_at=starts, ends_at=starts + 2 * HOUR, **kwargs)


def test_a_facilitator_records_one_person_per_tap(london, londoner, london_facilitator):
    session = started(london)
    client = signed_in(london_facilitator)

    response = client.post(
        f"/schedule/sessions/{session.pk}/register/",
        {"participant": londoner.pk, "status": "late"},
    )

    assert (
        response["Location"]
        == f"/schedule/sessions/{session.pk}/register/#participant-{londoner.pk}"
    )
    entry = Attendance.objects.get()
    assert (entry.session, entry.participant, entry.status, entry.recorded_by) == (
        session,
        londoner,
        "late",
        london_facilitator,
    )
    page = client.get(f"/schedule/sessions/{session.pk}/register/").content.decode()
    assert "Recorded: Late" in page
    assert "1 of 1 recorded." in page


def test_a_second_tap_corrects_the_entry(london, londoner, london_facilitator):
    session = started(london)
    client = signed_in(london_facilitator)
    url = f"/schedule/sessions/{session.pk}/register/"

    client.post(url, {"participant": londoner.pk, "status": "absent"})
    client.post(url, {"participant": londoner.pk, "status": "present"})

    assert list(Attendance.objects.values_list("status", flat=True)) == ["present"]


def test_the_register_is_refused_before_the_session_starts(london, londoner, london_facilitator):
    starts = timezone.now() + HOUR
    session = SessionFactory(cohort=london, starts_at=starts)
    client = signed_in(london_facilitator)
    url = f"/schedule/sessions/{session.pk}/register/"

    page = client.get(url)
    post = client.post(url, {"participant": londoner.pk, "status": "present"})

    assert "The register opens when the session starts" in page.content.decode()
    assert post.status_code == 400
    assert not Attendance.objects.exists()


def test_the_register_is_refused_for_a_tbc_session(london, londoner, london_facilitator):
    session = SessionFactory(cohort=london, starts_at=None)

    response = signed_in(london_facilitator).post(
        f"/schedule/sessions/{session.pk}/register/",
        {"participant": londoner.pk, "status": "present"},
    )

    assert response.status_code == 400
    assert not Attendance.objects.exists()


def test_the_register_per_role(london, leeds, londoner, leeds_facilitator, admin_user):
    session = started(london)
    url = f"/schedule/sessions/{session.pk}/register/"
    guest = UserFactory(role="Facilitator")
    session.facilitators.add(guest)

    assert signed_in(leeds_facilitator).get(url).status_code == 404
    assert (
        signed_in(leeds_facilitator)
        .post(url, {"participant": londoner.pk, "status": "present"})
        .status_code
        == 404
    )
    assert signed_in(londoner.person).get(url).status_code == 404
    assert signed_in(UserFactory(role="Reviewer")).get(url).status_code == 404
    assert signed_in(guest).get(url).status_code == 200
    assert signed_in(admin_user).get(url).status_code == 200
    assert not Attendance.objects.exists()


def test_a_participant_of_another_cohort_cannot_be_put_on_the_register(
    london, leeds_participant, london_facilitator
):
    session = started(london)

    signed_in(london_facilitator).post(
        f"/schedule/sessions/{session.pk}/register/",
        {"participant": leeds_participant.pk, "status": "present"},
    )

    assert not Attendance.objects.exists()


def test_a_shared_session_register_lists_the_facilitators_own_cohort(
    edition, london, leeds, londoner, leeds_participant, london_facilitator
):
    starts = timezone.now() - HOUR
    closing = SessionFactory(cohort=None, edition=edition, part="closing", starts_at=starts)

    page = signed_in(london_facilitator).get(f"/schedule/sessions/{closing.pk}/register/")

    html = page.content.decode()
    assert f'id="participant-{londoner.pk}"' in html
    assert f'id="participant-{leeds_participant.pk}"' not in html


def test_the_register_queries_do_not_grow_with_participants(london, london_facilitator):
    session = started(london)
    client = signed_in(london_facilitator)
    for _ in range(2):
        ParticipantFactory(cohort=london)
    client.get(f"/schedule/sessions/{session.pk}/register/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/schedule/sessions/{session.pk}/register/")
    for _ in range(12):
        ParticipantFactory(cohort=london)
    with CaptureQueriesContext(connection) as many:
        page = client.get(f"/schedule/sessions/{session.pk}/register/").content.decode()

    assert "0 of 14 recorded." in page
    assert len(many) == len(few)


def test_a_participant_sees_their_own_record(london, londoner, london_facilitator):
    session = started(london, title="Collective care")
    Attendance.objects.create(
        session=session,
        participant=londoner,
        status="apologies",
        recorded_by=london_facilitator,
        recorded_at=timezone.now(),
    )

    page = signed_in(londoner.person).get(f"/schedule/sessions/{session.pk}/").content.decode()

    assert "<dt>Your register entry</dt><dd>Apologies</dd>" in page


def record(session, participant, status):
    Attendance.objects.create(
        session=session, participant=participant, status=status, recorded_at=timezone.now()
    )


def test_completion_counts_present_and_late_out_of_the_cohorts_sessions(
    edition, london, leeds, londoner, leeds_participant
):
    ScheduleSettings.objects.create(edition=edition, at_risk_after_missed=2)
    sessions = [started(london) for _ in range(4)]
    SessionFactory(cohort=None, edition=edition, part="closing", starts_at=None)
    cancelled = started(london, cancelled_at=timezone.now())
    started(leeds)
    for session, status in zip(sessions, ["present", "late", "absent", "apologies"], strict=True):
        record(session, londoner, status)
    record(cancelled, londoner, "present")  # a cancelled session counts for nothing

    rows = {row.participant: row for row in completion(edition=edition)}

    assert (rows[londoner].attended, rows[londoner].total, rows[londoner].missed) == (2, 5, 2)
    assert rows[londoner].at_risk is True
    assert (rows[leeds_participant].attended, rows[leeds_participant].total) == (0, 2)
    assert rows[leeds_participant].at_risk is False


def test_staff_see_completion_as_n_of_total_and_export_it(edition, london, londoner, admin_user):
    sessions = [started(london) for _ in range(19)]
    for session in sessions[:17]:
        record(session, londoner, "present")
    for session in sessions[17:]:
        record(session, londoner, "absent")
    londoner.person.first_name = "=HYPERLINK(1)"
    londoner.person.save()
    client = signed_in(admin_user)

    page = client.get(f"/staff/schedule/{edition.pk}/completion/").content.decode()
    export = client.get(f"/staff/schedule/{edition.pk}/completion/?format=csv")

    assert "<td>17 of 19</td><td>2</td>" in page
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0] == ["Name", "Email", "Cohort", "Attended", "Sessions", "Missed", "At risk"]
    assert rows[1] == [
        f"'=HYPERLINK(1) {londoner.person.last_name}",
        londoner.person.email,
        "London",
        "17",
        "19",
        "2",
        "no",
    ]


def test_completion_is_for_programme_admins_only(edition, london_facilitator):
    assert (
        signed_in(london_facilitator).get(f"/staff/schedule/{edition.pk}/completion/").status_code
        == 403
    )


def test_a_background_tap_answers_with_the_new_entry(london, londoner, london_facilitator):
    session = started(london)

    response = signed_in(london_facilitator).post(
        f"/schedule/sessions/{session.pk}/register/",
        {"participant": londoner.pk, "status": "present"},
        headers={"X-Requested-With": "fetch"},
    )

    assert response.json() == {"status": "present", "label": "Present", "count": "1 of 1 recorded."}
    assert Attendance.objects.get().status == "present"


def test_a_shared_sessions_own_facilitator_takes_every_cohorts_register(
    edition, london, leeds, londoner, leeds_participant
):
    guest = UserFactory(role="Facilitator")
    closing = SessionFactory(
        cohort=None,
        edition=edition,
        part="closing",
        starts_at=timezone.now() - HOUR,
        facilitators=[guest],
    )

    page = signed_in(guest).get(f"/schedule/sessions/{closing.pk}/register/").content.decode()

    assert f'id="participant-{londoner.pk}"' in page
    assert f'id="participant-{leeds_participant.pk}"' in page
