"""The demo's running edition has its full 19 sessions per cohort (some done, some TBC) and the
register of every past one; the completed edition has all 19 over, and staff see its
completion ("17 of 19") and who was at risk."""

import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from cohorts.models import Cohort, Participant
from panitch.models import Edition, User
from sessions.models import Attendance, FreeSessionRequest, Session
from sessions.selectors import completion, reach_of, schedule_for, settings_for

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


def test_the_completed_edition_is_over_with_every_register_taken():
    load()
    load()  # twice changes nothing

    edition = Edition.objects.get(year=timezone.now().year - 2)
    now = timezone.now()
    for cohort in Cohort.objects.filter(edition=edition):
        sessions = Session.objects.for_cohort(cohort)
        assert sessions.count() == 19
        assert sessions.filter(ends_at__lt=now).count() == 19
        assert not sessions.to_be_confirmed().exists()
        assert Attendance.objects.filter(participant__cohort=cohort).count() == 19 * 12
    assert Session.objects.filter(edition=edition).count() == 2 * 14 + 5
    assert not Session.objects.filter(edition=edition, ends_at__gte=now).exists()
    assert not FreeSessionRequest.objects.filter(cohort__edition=edition).exists()

    rows = completion(edition=edition)
    assert Counter((row.attended, row.total) for row in rows) == {
        (19, 19): 16,
        (18, 19): 4,
        (17, 19): 2,
        (16, 19): 2,
    }
    threshold = settings_for(edition).at_risk_after_missed
    at_risk = [r.participant.person.get_full_name() for r in rows if r.missed >= threshold]
    assert at_risk == ["Cerys Quinn", "Bilal Jones"]


def test_staff_see_seventeen_of_nineteen_and_who_was_at_risk(client):
    load()
    edition = Edition.objects.get(year=timezone.now().year - 2)
    client.login(email="admin@example.org", password="panitch-demo-2021")

    page = client.get(f"/staff/schedule/{edition.pk}/completion/").content.decode()

    row = re.search(r"<tr[^>]*><td>Rhian Thomas</td>.*?</tr>", page).group(0)
    assert "<td>London</td><td>17 of 19</td><td>2</td>" in row
    assert page.count("19 of 19") == 16
    assert "At risk of not completing (2)" in page
    assert "<li>Cerys Quinn (Leeds): missed 3</li>" in page
    assert "<li>Bilal Jones (London): missed 3</li>" in page
