"""Applications, referees and references built straight in the database.

For tests that need many rows (admin lists, query counts, reminders). Tests about what an
applicant does go through the pages instead (the fill_in fixture).
"""

import datetime as dt
import secrets

import factory
from django.utils import timezone

from applications.enums import ApplicationStatus, Recommendation, ReviewRecommendation
from applications.models import Application, Referee, Reference, Review
from tests.factories import EditionFactory, UserFactory


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A complete, submitted application."""

    class Meta:
        model = Application

    edition = factory.SubFactory(EditionFactory)
    applicant = factory.SubFactory(UserFactory)
    status = ApplicationStatus.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)
    completed_steps = factory.LazyFunction(
        lambda: [
            "about",
            "membership",
            "experience",
            "project",
            "availability",
            "travel",
            "referees",
            "consent",
        ]
    )
    phone = "07700 900456"
    postcode = "M1 1AA"
    region = "north-west"
    is_member = True
    membership_reference = factory.LazyAttribute(lambda o: o.applicant.email)
    organising_kinds = factory.LazyFunction(lambda: ["clp"])
    experience = "Canvassing and running the CLP's political education slot."
    project_title = factory.Sequence(lambda n: f"Local project {n}")
    project_kind = "campaign"
    project_description = "A campaign for council housing repairs."
    project_involves = "Tenants and the local group."
    project_success = "The council agrees a repairs plan."
    weekend_choice = "both"
    available_closing_day = True
    available_online_sessions = True
    has_device = True
    needs_travel_paid = False
    journey_time_a = "under-1h"
    journey_time_b = "1h-2.5h"
    may_need_accommodation = False
    consent_special_category = True
    privacy_notice_version = "2021-1"
    consented_at = factory.LazyFunction(timezone.now)


class RefereeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referee

    application = factory.SubFactory(ApplicationFactory)
    position = 1
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"referee{n}@example.org")
    organisation = "Organiser, Manchester Momentum"
    relationship = "We organise together"
    known_for = "two years"
    token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    requested_at = factory.LazyFunction(timezone.now)


class ReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reference

    referee = factory.SubFactory(RefereeFactory)
    relationship = "We sit on the same branch committee."
    known_for = "four years"
    commitment = "Deeply committed to organising."
    examples = "Ran the branch's recruitment drive."
    recommendation = Recommendation.YES


def application_with_referees(*, references=0, **kwargs) -> Application:
    """A submitted application with two referees, the first `references` of whom answered."""
    application = ApplicationFactory(**kwargs)
    for position in (1, 2):
        referee = RefereeFactory(application=application, position=position)
        if position <= references:
            ReferenceFactory(referee=referee)
    return application


class ReviewFactory(factory.django.DjangoModelFactory):
    """One reviewer's scores, straight in the database (tests of the pages post the form)."""

    class Meta:
        model = Review

    application = factory.SubFactory(ApplicationFactory)
    reviewer = factory.SubFactory(UserFactory, role="Reviewer")
    commitment = 3
    experience = 3
    project = 3
    potential = 3
    recommendation = ReviewRecommendation.MAYBE
    comment = ""


def edition_due_for_release(**kwargs):
    """An edition whose release time passed an hour ago; offers can be answered for weeks."""
    now = timezone.now()
    return EditionFactory(
        **{
            "year": now.year - 1,
            "applications_open_at": now - dt.timedelta(days=40),
            "applications_close_at": now - dt.timedelta(days=20),
            "reference_deadline": now - dt.timedelta(days=10),
            "decisions_release_at": now - dt.timedelta(hours=1),
            "offer_response_deadline": now + dt.timedelta(days=14),
            **kwargs,
        }
    )


def decided_applications(*, edition, count: int) -> dict[str, str]:
    """`count` submitted applications decided in turn accepted, waitlisted, unsuccessful, plus
    a draft and a withdrawn application. Returns {applicant email: decision}."""
    from applications import decisions

    admin = UserFactory(email=f"decider{edition.pk}@example.org")
    decided = {}
    for i in range(count):
        applicant = UserFactory(email=f"applicant{i:02d}@example.org", first_name=f"Person{i}")
        application = application_with_referees(edition=edition, applicant=applicant)
        decision = ["accepted", "waitlisted", "unsuccessful"][i % 3]
        decisions.decision_record(application=application, decision=decision, by=admin)
        decided[applicant.email] = decision
    ApplicationFactory(
        edition=edition,
        applicant=UserFactory(email=f"draft{edition.pk}@example.org"),
        status=ApplicationStatus.DRAFT,
        submitted_at=None,
    )
    ApplicationFactory(
        edition=edition,
        applicant=UserFactory(email=f"withdrawn{edition.pk}@example.org"),
        status=ApplicationStatus.WITHDRAWN,
    )
    return decided
