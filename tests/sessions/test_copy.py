"""Copying last year's curriculum into a new edition: every date shifts by the gap between the
editions (weekend sessions by their cohort's weekend, online by weekend A, the closing day by
the closing days), TBC stays TBC, London wall-clock times survive the BST/GMT change, and the
preview shows it all before anything is saved."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from sessions import services
from sessions.enums import Format, Part, Strand
from sessions.models import Material, Session
from tests.cohorts.factories import CohortFactory
from tests.factories import EditionFactory, UserFactory
from tests.sessions.conftest import at, signed_in
from tests.sessions.reminder_factories import SessionFactory, WeekendSessionFactory


@pytest.fixture
def last_year(db):
    # 2040: weekends 4-5 and 18-19 August, closing day Saturday 17 November.
    edition = EditionFactory(
        year=2040,
        weekend_a_starts_on=dt.date(2040, 8, 4),
        weekend_a_ends_on=dt.date(2040, 8, 5),
        weekend_b_starts_on=dt.date(2040, 8, 18),
        weekend_b_ends_on=dt.date(2040, 8, 19),
        closing_day=dt.date(2040, 11, 17),
    )
    london = CohortFactory(edition=edition, name="London", weekend="a")
    leeds = CohortFactory(edition=edition, name="Leeds", weekend="b")
    WeekendSessionFactory(cohort=london, position=1, title="Class politics")
    WeekendSessionFactory(cohort=leeds, position=1, title="Class politics")
    # 18:00 on Thursday 25 October 2040 is BST; shifted by 63 days it falls in GMT.
    online = SessionFactory(
        cohort=london,
        position=2,
        title="Collective care",
        starts_at=at(dt.date(2040, 10, 25), 18),
        ends_at=at(dt.date(2040, 10, 25), 20),
    )
    Material.objects.create(session=online, title="Reading", url="https://example.org/care")
    SessionFactory(
        cohort=london,
        position=3,
        title="Free session",
        strand=Strand.FREE,
        starts_at=None,
        joining_url="",
    )
    SessionFactory(
        cohort=None,
        edition=edition,
        position=4,
        part=Part.CLOSING,
        title="Closing",
        starts_at=at(dt.date(2040, 11, 17), 10),
        ends_at=at(dt.date(2040, 11, 17), 11),
    )
    return edition


@pytest.fixture
def next_year(db):
    # Weekend A on 5 October: 427 days after last year's, which moves October into December.
    edition = EditionFactory(
        year=2041,
        weekend_a_starts_on=dt.date(2041, 10, 5),
        weekend_a_ends_on=dt.date(2041, 10, 6),
        weekend_b_starts_on=dt.date(2041, 10, 19),
        weekend_b_ends_on=dt.date(2041, 10, 20),
        closing_day=dt.date(2041, 12, 27),
    )
    CohortFactory(edition=edition, name="London", weekend="a")
    CohortFactory(edition=edition, name="Leeds", weekend="b")
    return edition


@pytest.fixture
def target(db):
    """2041 shaped like 2040 a year on: each gap is a whole number of weeks."""
    edition = EditionFactory(
        year=2041,
        weekend_a_starts_on=dt.date(2041, 8, 3),
        weekend_a_ends_on=dt.date(2041, 8, 4),
        weekend_b_starts_on=dt.date(2041, 8, 24),
        weekend_b_ends_on=dt.date(2041, 8, 25),
        closing_day=dt.date(2041, 11, 16),
    )
    CohortFactory(edition=edition, name="London", weekend="a")
    CohortFactory(edition=edition, name="Leeds", weekend="b")
    return edition


def planned(plan):
    return [
        (s.title, s.cohort.name if s.cohort else None, s.starts_at, s.ends_at)
        for s in plan.sessions
    ]


def test_the_plan_shifts_each_kind_of_session_by_its_own_gap(last_year, target):
    plan = services.curriculum_copy_plan(source=last_year, target=target)

    assert plan.errors == []
    assert planned(plan) == [
        # Each cohort follows its own weekend: A moved 364 days, B 371.
        ("Class politics", "Leeds", at(dt.date(2041, 8, 24), 10), at(dt.date(2041, 8, 24), 11, 30)),
        ("Class politics", "London", at(dt.date(2041, 8, 3), 10), at(dt.date(2041, 8, 3), 11, 30)),
        # Online sessions follow weekend A: 364 days.
        ("Collective care", "London", at(dt.date(2041, 10, 24), 18), at(dt.date(2041, 10, 24), 20)),
        ("Free session", "London", None, None),
        # The closing day follows the closing days: 17 November 2040 -> 16 November 2041.
        ("Closing", None, at(dt.date(2041, 11, 16), 10), at(dt.date(2041, 11, 16), 11)),
    ]
    assert Session.objects.filter(edition=target).count() == 0  # a plan saves nothing


def test_a_london_evening_in_summer_time_stays_at_six_in_winter_time(last_year, next_year):
    plan = services.curriculum_copy_plan(source=last_year, target=next_year)

    care = next(s for s in plan.sessions if s.title == "Collective care")
    # 25 October 2040 18:00 BST is 17:00 UTC; 427 days later it is GMT, so 18:00 UTC.
    assert care.starts_at.astimezone(dt.UTC) == dt.datetime(2041, 12, 26, 18, tzinfo=dt.UTC)
    assert care.starts_at == at(dt.date(2041, 12, 26), 18)
    original = Session.objects.get(edition=last_year, title="Collective care")
    assert original.starts_at.astimezone(dt.UTC) == dt.datetime(2040, 10, 25, 17, tzinfo=dt.UTC)


def test_copying_saves_the_plan_with_its_materials_and_keeps_tbc(last_year, target):
    admin = UserFactory(role="Programme admin")

    services.curriculum_copy(source=last_year, target=target, by=admin)

    copied = Session.objects.filter(edition=target)
    assert copied.count() == 5
    free = copied.get(title="Free session")
    assert (free.starts_at, free.ends_at, free.is_to_be_confirmed) == (None, None, True)
    care = copied.get(title="Collective care")
    assert list(care.materials.values_list("title", "url")) == [
        ("Reading", "https://example.org/care")
    ]
    assert care.format == Format.ONLINE and care.sequence == 0


def test_copying_into_an_edition_that_has_sessions_is_refused(last_year, target):
    SessionFactory(cohort=target.cohorts.get(name="London"), title="Already here")

    with pytest.raises(ValidationError):
        services.curriculum_copy(source=last_year, target=target, by=UserFactory())

    assert list(Session.objects.filter(edition=target).values_list("title", flat=True)) == [
        "Already here"
    ]


def test_the_preview_page_shows_the_shifted_dates_then_saves_on_confirm(last_year, target):
    client = signed_in(UserFactory(role="Programme admin"))

    preview = client.get(f"/staff/schedule/{target.pk}/copy/", {"source": last_year.pk})

    page = preview.content.decode()
    assert "Preview: 5 sessions from 2040" in page
    assert (
        "<td>Collective care</td><td>London</td><td>Thursday 25 October 2040, 18:00–20:00</td>"
        "<td>Thursday 24 October 2041, 18:00–20:00</td>"
    ) in page
    assert (
        "<td>Free session</td><td>London</td><td>To be confirmed</td><td>To be confirmed</td>"
        in page
    )
    assert Session.objects.filter(edition=target).count() == 0

    response = client.post(
        f"/staff/schedule/{target.pk}/copy/", {"source": last_year.pk, "confirm": "yes"}
    )

    assert response.status_code == 302
    assert Session.objects.filter(edition=target).count() == 5
