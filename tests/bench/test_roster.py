"""`manage.py bench_roster` prints its figures and leaves nothing behind (no timings asserted)."""

import re
from io import StringIO

from django.core.management import call_command

from applications.models import Application
from cohorts.models import Cohort, Participant
from panitch.models import Edition, User


def _counts():
    return [m.objects.count() for m in (Edition, User, Application, Cohort, Participant)]


def test_bench_roster_prints_throughput_and_queries_and_cleans_up(db):
    before = _counts()
    out = StringIO()
    call_command("bench_roster", requests=3, warmup=1, stdout=out)
    assert re.search(
        r"Roster page, 20-person cohort \(\w+\): \d+ requests/s, [\d.]+ ms per request, "
        r"\d+ queries per request",
        out.getvalue(),
    ), out.getvalue()
    assert _counts() == before
