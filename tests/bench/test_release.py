"""`manage.py bench_release`: on PostgreSQL with a Redis broker it releases a small edition end
to end (real worker, real SMTP) with no duplicate and no missing email and leaves nothing
behind; anywhere else it refuses, saying why. No timings are asserted."""

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from applications.models import Application, DecisionRelease
from bench import release as bench_release
from panitch.models import Edition, OutboxEmail, User

ON_POSTGRES = connection.vendor == "postgresql"
ON_REDIS = settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))


def _bench_rows():
    return {
        "users": User.objects.filter(email__startswith=bench_release.USER_PREFIX).count(),
        "editions": Edition.objects.filter(name=bench_release.EDITION_NAME).count(),
        "applications": Application.objects.filter(
            applicant__email__startswith=bench_release.USER_PREFIX
        ).count(),
        "releases": DecisionRelease.objects.count(),
        "outbox": OutboxEmail.objects.filter(idempotency_key__startswith="decision:").count(),
    }


NONE_LEFT = {"users": 0, "editions": 0, "applications": 0, "releases": 0, "outbox": 0}


@pytest.mark.skipif(not (ON_POSTGRES and ON_REDIS), reason="needs PostgreSQL and Redis")
def test_a_small_release_reaches_the_smtp_server_once_each(transactional_db):
    lines = []

    result = bench_release.run(
        applications=20,
        timeout=120,
        write=lines.append,
        outage_applications=20,
        outage_scale=0.01,  # the ten-minute outage in six seconds
    )

    output = "\n".join(lines)
    assert "Applications: 20 (1 accepted, 2 waitlisted, 17 unsuccessful)" in output
    assert "\nDuplicates: 0\n" in output
    assert "\nMissing: 0\n" in output
    assert "outbox rows: 20 sent, 0 pending, 0 failed" in output
    assert "Ratio plain/release: " in output
    assert (result.received, result.plain_received) == (20, 20)
    assert "Outage: 20 applications released with the mail server down for 10 min" in output
    assert (result.recovery.received, result.recovery.duplicates) == (20, 0)
    assert result.recovery.statuses["sent"] == 20
    assert result.recovery.refused_attempts >= 20
    assert _bench_rows() == NONE_LEFT


def test_it_refuses_sqlite_and_says_what_to_use_instead():
    with pytest.raises(bench_release.BenchError) as refused:
        bench_release.check_database({"ENGINE": "django.db.backends.sqlite3", "NAME": "x"})
    assert "refuses to run on SQLite" in str(refused.value)
    assert "DATABASE_URL=postgres://postgres@127.0.0.1:5432/panitch_bench" in str(refused.value)
    with pytest.raises(bench_release.BenchError, match="needs PostgreSQL, not"):
        bench_release.check_database({"ENGINE": "django.db.backends.mysql", "NAME": "x"})
    bench_release.check_database({"ENGINE": "django.db.backends.postgresql", "NAME": "x"})


def test_it_refuses_a_broker_its_worker_cannot_share():
    for url in ("memory://", "filesystem://", "amqp://guest@127.0.0.1//"):
        with pytest.raises(bench_release.BenchError, match="needs a Redis broker"):
            bench_release.check_broker(url)
    bench_release.check_broker("redis://127.0.0.1:6379/15")


@pytest.mark.skipif(ON_POSTGRES, reason="run() refuses before touching anything: SQLite only")
def test_the_command_refuses_sqlite_and_leaves_nothing(transactional_db):
    with pytest.raises(CommandError, match="refuses to run on SQLite"):
        call_command("bench_release", applications=20, database_url=None)
    assert _bench_rows() == NONE_LEFT
