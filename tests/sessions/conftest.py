"""A running edition: both weekends are over, the closing day is two months ahead; London
(weekend A) and Leeds (weekend B), each with a facilitator and participants."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

# The real-worker fixtures the applications tests built, for the reminder tests.
from tests.applications.conftest import celery_worker_thread  # noqa: F401
from tests.applications.test_release_worker import tasks  # noqa: F401
from tests.cohorts.factories import CohortFactory, ParticipantFactory
from tests.factories import EditionFactory, UserFactory

LONDON = ZoneInfo("Europe/London")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def edition(db):
    today = timezone.localdate()
    return EditionFactory(
        year=today.year + 5,
        weekend_a_starts_on=today - dt.timedelta(days=30),
        weekend_a_ends_on=today - dt.timedelta(days=29),
        weekend_b_starts_on=today - dt.timedelta(days=16),
        weekend_b_ends_on=today - dt.timedelta(days=15),
        closing_day=today + dt.timedelta(days=60),
    )


@pytest.fixture
def london_facilitator(db):
    return UserFactory(email="priya@example.org", first_name="Priya", role="Facilitator")


@pytest.fixture
def leeds_facilitator(db):
    return UserFactory(email="dan@example.org", first_name="Dan", role="Facilitator")


@pytest.fixture
def london(edition, london_facilitator):
    return CohortFactory(
        edition=edition, name="London", weekend="a", facilitators=[london_facilitator]
    )


@pytest.fixture
def leeds(edition, leeds_facilitator):
    return CohortFactory(
        edition=edition,
        name="Leeds",
        weekend="b",
        venue_city="Leeds",
        facilitators=[leeds_facilitator],
    )


@pytest.fixture
def londoner(london):
    return ParticipantFactory(cohort=london)


@pytest.fixture
def leeds_participant(leeds):
    return ParticipantFactory(cohort=leeds)


@pytest.fixture
def admin_user(db):
    return UserFactory(email="admin@example.org", role="Programme admin")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)
