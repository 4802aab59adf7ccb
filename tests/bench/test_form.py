"""`manage.py bench` runs end to end and leaves the database as it found it (no timings)."""

import re
from io import StringIO

from allauth.account.models import EmailAddress
from django.contrib.sessions.models import Session
from django.core.management import call_command

from applications.models import Application, EqualityMonitoring, Referee
from applications.steps import STEPS
from panitch.models import Edition, User


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Edition,
            User,
            Application,
            Referee,
            EqualityMonitoring,
            Session,
            EmailAddress,
        )
    }


def _bench(**options):
    out = StringIO()
    call_command("bench", applications=5, requests=3, warmup=1, stdout=out, **options)
    return out.getvalue()


def test_bench_prints_the_ratio_and_leaves_no_rows_behind(db, applicant):
    before = _counts()

    output = _bench()

    assert "Overall real/bare ratio: " in output
    assert re.search(r"\nStep page's own work \(real/framed\): \d\.\d\d \(goal ≥ 0\.75: ", output)
    assert re.search(r"\nSigned-in layout alone \(framed/bare\): \d\.\d\d \(goal ≥ 0\.85: ", output)
    assert re.search(r"\nPer request: real \d+\.\d\d ms, framed \d+\.\d\d ms, bare ", output)
    for slug in ("about", "referees", "consent", "equality"):
        assert f"\n{slug} " in output
    assert _counts() == before
    assert not User.objects.filter(email__endswith="@bench.invalid").exists()


def test_bench_pages_make_two_one_and_no_queries_on_every_step(db):
    """The step page: the person, then the application with all its step shows; the framed
    page: the person; the bare page: nothing."""
    output = _bench()

    rows = re.findall(r"\n(\w+) .* (\d+/\d+/\d+)(?=\n)", output)
    assert [slug for slug, _ in rows] == [step.slug for step in STEPS]
    assert {queries for _, queries in rows} == {"2/1/0"}


def test_bench_reuses_the_open_edition_and_keeps_it(db, open_edition):
    before = _counts()

    output = _bench()

    assert f"into edition {open_edition.year} (already open; reused)" in output
    assert "Overall real/bare ratio: " in output
    assert _counts() == before
    assert Edition.objects.filter(pk=open_edition.pk).exists()
