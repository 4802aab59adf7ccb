import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from applications.models import Application
from cohorts.models import Cohort, Participant
from cohorts.services import allocation_plan
from panitch.models import Edition

pytestmark = pytest.mark.django_db


def load():
    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    return out.getvalue()


def test_demo_has_an_edition_waiting_for_allocation_and_one_running():
    printed = load()
    load()  # twice changes nothing
    assert "participant      participant@example.org" in printed
    assert "facilitator      facilitator2@example.org" in printed

    waiting = Edition.objects.get(year=2021)
    assert list(Cohort.objects.filter(edition=waiting).values_list("name", "weekend")) == [
        ("London", "a"),
        ("Leeds", "b"),
    ]
    assert Application.objects.filter(edition=waiting, offer_status="confirmed").count() == 40
    assert not Participant.objects.filter(edition=waiting).exists()
    plan = allocation_plan(edition=waiting)
    assert (plan.status, plan.problems, [c.count for c in plan.cohorts]) == (
        "optimal",
        [],
        [20, 20],
    )

    running = Edition.objects.get(year=timezone.now().year - 1)
    today = timezone.localdate()
    assert 70 <= (today - running.weekend_a_starts_on).days <= 76
    assert 14 <= (running.closing_day - today).days <= 27
    weekdays = [running.weekend_a_starts_on, running.weekend_b_starts_on, running.closing_day]
    assert [day.strftime("%A") for day in weekdays] == ["Saturday"] * 3
    cohorts = {
        cohort.name: cohort
        for cohort in Cohort.objects.filter(edition=running).prefetch_related("facilitators")
    }
    assert sorted(cohorts) == ["Leeds", "London"]
    assert [u.email for u in cohorts["London"].facilitators.all()] == ["facilitator@example.org"]
    assert [u.email for u in cohorts["Leeds"].facilitators.all()] == ["facilitator2@example.org"]
    for cohort in cohorts.values():
        assert Participant.objects.active().filter(cohort=cohort).count() == 20
    me = Participant.objects.get(edition=running, person__email="participant@example.org")
    assert me.cohort.name == "London"
    emails = Participant.objects.values_list("person__email", flat=True)
    assert all(email.endswith("@example.org") for email in emails)


def test_demo_participant_and_facilitators_sign_in_to_their_pages(client):
    load()
    client.login(email="participant@example.org", password="panitch-demo-2021")
    assert "Your cohort: London" in client.get("/cohort/").content.decode()
    client.logout()
    client.login(email="facilitator2@example.org", password="panitch-demo-2021")
    text = client.get("/facilitate/").content.decode()
    running, completed = timezone.now().year - 1, timezone.now().year - 2
    # Leeds in the running edition; London, the year before.
    assert f"Leeds, {running}" in text and f"London, {completed}" in text
    assert f"London, {running}" not in text and f"Leeds, {completed}" not in text


def test_demo_has_a_completed_edition_allocated_long_ago():
    load()
    load()  # twice changes nothing

    completed = Edition.objects.get(year=timezone.now().year - 2)
    today = timezone.localdate()
    assert 450 <= (today - completed.weekend_a_starts_on).days <= 500
    assert (completed.weekend_b_starts_on - completed.weekend_a_starts_on).days == 14
    assert 358 <= (today - completed.closing_day).days <= 372
    assert 580 <= (today - timezone.localdate(completed.applications_open_at)).days <= 640
    weekdays = [completed.weekend_a_starts_on, completed.weekend_b_starts_on, completed.closing_day]
    assert [day.strftime("%A") for day in weekdays] == ["Saturday"] * 3
    for other in Edition.objects.exclude(pk=completed.pk):
        assert (
            other.applications_close_at <= completed.applications_open_at
            or other.applications_open_at >= completed.applications_close_at
        ), other
    cohorts = {
        cohort.name: cohort
        for cohort in Cohort.objects.filter(edition=completed).prefetch_related("facilitators")
    }
    assert [(c.name, c.weekend) for c in cohorts.values()] == [("London", "a"), ("Leeds", "b")]
    assert [u.email for u in cohorts["London"].facilitators.all()] == ["facilitator2@example.org"]
    assert [u.email for u in cohorts["Leeds"].facilitators.all()] == ["facilitator@example.org"]
    for cohort in cohorts.values():
        assert Participant.objects.active().filter(cohort=cohort).count() == 12
    people = Participant.objects.filter(edition=completed).values_list("person__email", flat=True)
    assert all(email.startswith(f"demo.{completed.year}.") for email in people)
    assert not Participant.objects.filter(
        edition=completed, person__email="participant@example.org"
    ).exists()
    assert completed.allocation.participants_created == 24
