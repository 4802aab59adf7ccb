import pytest

from cohorts import services
from tests.cohorts.factories import CohortFactory, ParticipantFactory, confirmed_place, released
from tests.factories import EditionFactory, UserFactory


@pytest.fixture
def programme_admin(db):
    return UserFactory(
        role="Programme admin", first_name="Pat", last_name="Hale", email="pat.admin@example.org"
    )


@pytest.fixture
def edition(db):
    return released(EditionFactory())


@pytest.fixture
def two_cohorts(edition):
    """London (weekend A) and Leeds (weekend B), 20 places each."""
    return services.cohorts_create_default(edition=edition)


@pytest.fixture
def places(edition):
    """Four confirmed places: a Londoner (A only), a Leeds person (B only), two either."""
    return [
        confirmed_place(
            edition,
            weekend="a",
            applicant=UserFactory(first_name="Ada", last_name="London", email="ada@example.org"),
            region="london",
            postcode="E8 1DY",
            journey_time_a="under-1h",
            journey_time_b="over-2.5h",
        ),
        confirmed_place(
            edition,
            weekend="b",
            applicant=UserFactory(first_name="Ben", last_name="Leeds", email="ben@example.org"),
            region="yorkshire",
            postcode="LS8 3AA",
            journey_time_a="over-2.5h",
            journey_time_b="under-1h",
        ),
        confirmed_place(
            edition,
            weekend="both",
            applicant=UserFactory(first_name="Cat", last_name="Hull", email="cat@example.org"),
            region="yorkshire",
            postcode="HU5 2QP",
            journey_time_a="over-2.5h",
            journey_time_b="under-1h",
        ),
        confirmed_place(
            edition,
            weekend="both",
            applicant=UserFactory(first_name="Dev", last_name="Kent", email="dev@example.org"),
            region="south-east",
            postcode="ME1 1AA",
            journey_time_a="under-1h",
            journey_time_b="over-2.5h",
        ),
    ]


@pytest.fixture
def facilitator(db):
    return UserFactory(
        role="Facilitator", first_name="Fay", last_name="Cilitator", email="fay@example.org"
    )


@pytest.fixture
def cohort_a(db, facilitator):
    """A committed cohort with its facilitator and three participants."""
    cohort = CohortFactory(name="London", facilitators=[facilitator])
    for first in ("Amal", "Bea", "Cy"):
        ParticipantFactory(
            cohort=cohort,
            application=confirmed_place(
                cohort.edition, applicant=UserFactory(first_name=first, last_name="Alpha")
            ),
        )
    return cohort
