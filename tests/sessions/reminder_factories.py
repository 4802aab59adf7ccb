"""Sessions built straight in the database, for the reminder, calendar and feed tests."""

import datetime as dt
from zoneinfo import ZoneInfo

import factory

from sessions.enums import Format, Part, Strand
from sessions.models import Session
from tests.cohorts.factories import CohortFactory

LONDON = ZoneInfo("Europe/London")


class SessionFactory(factory.django.DjangoModelFactory):
    """An online session of a cohort, two hours long, a month from its edition's start."""

    class Meta:
        model = Session
        skip_postgeneration_save = True

    cohort = factory.SubFactory(CohortFactory)
    edition = factory.LazyAttribute(lambda o: o.cohort.edition if o.cohort else None)
    position = factory.Sequence(lambda n: n + 1)
    part = Part.ONLINE
    strand = Strand.ORGANISING
    title = factory.Sequence(lambda n: f"Winnable campaigns {n}")
    description = "How to pick a fight you can win."
    format = Format.ONLINE
    starts_at = factory.LazyAttribute(
        lambda o: dt.datetime(o.edition.year, 9, 15, 18, 30, tzinfo=LONDON)
    )
    ends_at = factory.LazyAttribute(
        lambda o: o.starts_at + dt.timedelta(hours=2) if o.starts_at else None
    )
    joining_url = "https://meet.example.org/panitch-session"

    @factory.post_generation
    def facilitators(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.facilitators.set(extracted)


class WeekendSessionFactory(SessionFactory):
    part = Part.WEEKEND
    format = Format.IN_PERSON
    joining_url = ""
    strand = Strand.POLITICAL
    starts_at = factory.LazyAttribute(
        lambda o: dt.datetime.combine(o.cohort.weekend_starts_on, dt.time(10), tzinfo=LONDON)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=1, minutes=30))
