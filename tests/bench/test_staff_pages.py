"""`manage.py bench_staff`: on PostgreSQL it seeds, times the staff pages as a programme admin,
prints each figure beside its goal and leaves nothing behind; on SQLite it refuses, saying why.
No timings are asserted."""

import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from applications.models import Application, Referee
from bench import staff_pages
from panitch.models import Edition, User

ON_POSTGRES = connection.vendor == "postgresql"


def _left():
    return {
        "users": User.objects.filter(email__startswith=staff_pages.USER_PREFIX).count(),
        "editions": Edition.objects.filter(name=staff_pages.EDITION_NAME).count(),
        "applications": Application.objects.count(),
        "referees": Referee.objects.count(),
    }


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL")
def test_a_small_run_prints_every_figure_beside_its_goal_and_cleans_up(transactional_db):
    lines = []

    figures = staff_pages.run(applications=30, requests=2, write=lines.append)

    output = "\n".join(lines)
    assert [f.what for f in figures] == [what for what, _, _ in staff_pages.PAGES]
    assert re.search(r"application list +\d+\.\d ms  \(goal <= 120 ms, (met|NOT MET)\)", output)
    assert re.search(r"selection dashboard +\d+\.\d ms  \(goal <= 60 ms, (met|NOT MET)\)", output)
    assert "30 submitted applications (two referees each)" in output
    # The list's and the dashboard's query counts, as the issue measured them.
    assert [f.queries for f in figures] == [7, 7, 7, 12]
    assert _left() == {"users": 0, "editions": 0, "applications": 0, "referees": 0}


@pytest.mark.skipif(ON_POSTGRES, reason="the refusal is for SQLite")
def test_on_sqlite_the_bench_refuses_and_says_why(db):
    with pytest.raises(CommandError) as error:
        call_command("bench_staff", "--applications=5")

    assert str(error.value).startswith("bench_staff needs PostgreSQL (the goals are set there)")
    assert _left() == {"users": 0, "editions": 0, "applications": 0, "referees": 0}
