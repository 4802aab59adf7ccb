"""Cohorts and participants built straight in the database, for tests of what hangs off them."""

import factory

from applications.enums import ConfirmedWeekend, OfferStatus
from cohorts.enums import Weekend
from cohorts.models import Cohort, Participant
from cohorts.services import participant_group_sync
from tests.applications.factories import ApplicationFactory
from tests.factories import EditionFactory


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort
        skip_postgeneration_save = True

    edition = factory.SubFactory(EditionFactory)
    name = factory.Sequence(lambda n: f"Cohort {n}")
    weekend = Weekend.A
    venue_city = factory.LazyAttribute(lambda o: getattr(o.edition, f"weekend_{o.weekend}_city"))
    venue_name = "Community hall"
    venue_address = "1 High Street"
    capacity = 20

    @factory.post_generation
    def facilitators(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.facilitators.set(extracted)


class ParticipantFactory(factory.django.DjangoModelFactory):
    """An active participant: an accepted application whose offer was confirmed, in a cohort."""

    class Meta:
        model = Participant
        skip_postgeneration_save = True

    cohort = factory.SubFactory(CohortFactory)
    edition = factory.LazyAttribute(lambda o: o.cohort.edition)
    application = factory.LazyAttribute(
        lambda o: ApplicationFactory(
            edition=o.edition,
            decision="accepted",
            offer_status=OfferStatus.CONFIRMED,
            confirmed_weekend=ConfirmedWeekend.BOTH,
        )
    )
    person = factory.LazyAttribute(lambda o: o.application.applicant)

    @factory.post_generation
    def participant_group(obj, create, extracted, **kwargs):
        # As the services do: an active place puts the person in the Participant group.
        if create:
            participant_group_sync(user_ids=[obj.person_id])


def confirmed_place(edition, *, weekend=ConfirmedWeekend.BOTH, **fields):
    """An accepted application whose offer was confirmed, waiting for a cohort."""
    return ApplicationFactory(
        edition=edition,
        decision="accepted",
        offer_status=OfferStatus.CONFIRMED,
        confirmed_weekend=weekend,
        **fields,
    )


def released(edition):
    """Mark the edition's decisions released (offers can then come from the waitlist)."""
    from applications.models import DecisionRelease

    DecisionRelease.objects.get_or_create(
        edition=edition, defaults={"released_at": edition.decisions_release_at}
    )
    return edition
