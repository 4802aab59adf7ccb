"""`manage.py bench_reminders` runs end to end and leaves the database as it found it."""

from io import StringIO

from django.core.management import call_command

from applications.models import Application
from bench import reminders
from cohorts.models import Cohort, Participant
from panitch.models import Edition, OutboxEmail, User
from sessions.models import CalendarFeed, Session


def _counts():
    models = (Edition, User, Application, Cohort, Participant, Session, CalendarFeed, OutboxEmail)
    return {model.__name__: model.objects.count() for model in models}


def test_bench_reminders_prints_its_figures_and_leaves_no_rows_behind(db):
    before = _counts()
    out = StringIO()

    sweeps, timing = reminders.run(requests=4, rounds=2, sizes=(4, 8), cohorts=2, write=out.write)

    output = out.getvalue()
    # Per cohort: its own two online sessions due (two hours, two days), and the weekend of
    # the weekend-A cohort; each to its participants and its facilitator.
    assert [s.queued for s in sweeps] == [(2 + 1) * 2 * 2 + 3, (4 + 1) * 2 * 2 + 5]
    assert [s.again_queued for s in sweeps] == [0, 0]
    assert sweeps[0].find_queries == sweeps[1].find_queries
    assert "queries to find what is due constant in participants: ok" in output
    assert "goal >= 0.50 (within 2x)" in output
    assert timing.events == 18  # 19 sessions of the cohort's schedule, one to be confirmed
    assert _counts() == before


def test_bench_reminders_command_runs(db):
    out = StringIO()
    call_command("bench_reminders", requests=2, rounds=1, stdout=out)
    assert "Reminder sweep (beat's task), 50 cohorts x 19 sessions" in out.getvalue()
