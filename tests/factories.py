import datetime as dt
from zoneinfo import ZoneInfo

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from panitch.enums import Role
from panitch.models import Edition, User
from panitch.services import user_grant_role

LONDON = ZoneInfo("Europe/London")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if create and extracted:
            user_grant_role(user=obj, role=Role(extracted))


class EditionFactory(factory.django.DjangoModelFactory):
    """An edition shaped like 2021's, in the year given."""

    class Meta:
        model = Edition

    year = factory.Sequence(lambda n: 2030 + n)
    name = factory.LazyAttribute(lambda o: str(o.year))
    applications_open_at = factory.LazyAttribute(
        lambda o: dt.datetime(o.year, 4, 12, 9, tzinfo=LONDON)
    )
    applications_close_at = factory.LazyAttribute(
        lambda o: dt.datetime(o.year, 5, 9, 23, 59, tzinfo=LONDON)
    )
    reference_deadline = factory.LazyAttribute(
        lambda o: dt.datetime(o.year, 5, 16, 23, 59, tzinfo=LONDON)
    )
    info_session_at = factory.LazyAttribute(lambda o: dt.datetime(o.year, 4, 28, 18, tzinfo=LONDON))
    decisions_release_at = factory.LazyAttribute(
        lambda o: dt.datetime(o.year, 6, 2, 9, tzinfo=LONDON)
    )
    offer_response_deadline = factory.LazyAttribute(
        lambda o: dt.datetime(o.year, 6, 16, 23, 59, tzinfo=LONDON)
    )
    weekend_a_starts_on = factory.LazyAttribute(lambda o: dt.date(o.year, 8, 7))
    weekend_a_ends_on = factory.LazyAttribute(lambda o: dt.date(o.year, 8, 8))
    weekend_a_city = "London"
    weekend_b_starts_on = factory.LazyAttribute(lambda o: dt.date(o.year, 8, 21))
    weekend_b_ends_on = factory.LazyAttribute(lambda o: dt.date(o.year, 8, 22))
    weekend_b_city = "Leeds"
    closing_day = factory.LazyAttribute(lambda o: dt.date(o.year, 11, 20))
    contact_name = "Rachel"
    contact_email = "programme@example.org"


def open_edition_now() -> Edition:
    """An edition taking applications now, with every later date well ahead."""
    now = timezone.now()
    return EditionFactory(
        year=now.year + 1,
        applications_open_at=now - dt.timedelta(days=7),
        applications_close_at=now + dt.timedelta(days=14),
        info_session_at=now - dt.timedelta(days=1),
        reference_deadline=now + dt.timedelta(days=21),
        decisions_release_at=now + dt.timedelta(days=40),
        offer_response_deadline=now + dt.timedelta(days=54),
        weekend_a_starts_on=(now + dt.timedelta(days=70)).date(),
        weekend_a_ends_on=(now + dt.timedelta(days=71)).date(),
        weekend_b_starts_on=(now + dt.timedelta(days=84)).date(),
        weekend_b_ends_on=(now + dt.timedelta(days=85)).date(),
        closing_day=(now + dt.timedelta(days=180)).date(),
    )
