"""The demo's running edition has its full 19 sessions per cohort (some done, some TBC) and the
register of every past one."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from cohorts.models import Cohort, Participant
from panitch.models import Edition, User
from sessions.models import Attendance, FreeSessionRequest, Session
from sessions.selectors import completion, reach_of, schedule_for

pytestmark = pytest.mark.django_db


def load():
    call_command("load_demo_data", stdout=io.StringIO())


def test_the_running_edition_has_nineteen_sessions_per_cohort_with_attendance():
    load()
    load()  # twice changes nothing

    edition = Edition.objects.get(year=timezone.now().year - 1)
    now = timezone.now()
    for cohort in Cohort.objects.filter(edition=edition):
        sessions = Session.objects.for_cohort(cohort)
        assert sessions.count() == 19
        assert sessions.filter(part="weekend").count() == 10
        assert sessions.filter(part="online").count() == 4
        assert sessions.filter(part="closing", cohort=None).count() == 5
        assert sessions.to_be_confirmed().count() == 1
        past = sessions.filter(ends_at__lt=now).count()
        assert past == 13
        active = Participant.objects.active().filter(cohort=cohort).count()
        assert Attendance.objects.filter(participant__cohort=cohort).count() == past * active
    assert Session.objects.filter(edition=edition).count() == 2 * 14 + 5
    assert FreeSessionRequest.objects.filter(cohort__edition=edition).count() == 4

    participant = User.objects.get(email="participant@example.org")
    schedule = schedule_for(reach_of(participant))
    assert (schedule.done, schedule.total) == (13, 19)
    assert schedule.next.session.part == "closing"
    rows = completion(edition=edition)
    assert {row.attended for row in rows} >= {13, 11, 10}
    assert any(row.at_risk for row in rows)
