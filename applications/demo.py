"""Demo data for applications: an edition open now (one application submitted, one draft) and
an edition waiting for decision day (two decided applications, reviewed)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from panitch.demo import EDITION_2021
from panitch.models import Edition, User

from . import decisions, reviews, services
from .enums import ApplicationStatus, Decision
from .models import Application, Reference, Review

REQUIRED_STEPS = [
    "about",
    "membership",
    "experience",
    "project",
    "availability",
    "travel",
    "referees",
    "consent",
]


def _edition(*, year: int, day: dt.datetime, offsets: dict) -> Edition:
    """An edition in `year` shaped like 2021's, its dates `offsets` days from `day`."""
    edition = Edition.objects.filter(year=year).first()
    if edition:
        return edition  # leave staff's dates alone
    dates = {field: day + dt.timedelta(days=days) for field, days in offsets.items()}
    for field in ("weekend_a_starts_on", "weekend_a_ends_on", "weekend_b_starts_on"):
        dates[field] = dates[field].date()
    dates["weekend_b_ends_on"] = dates["weekend_b_ends_on"].date()
    dates["closing_day"] = dates["closing_day"].date()
    edition = Edition(
        **{**EDITION_2021, "info_session_at": None, "name": str(year), "year": year, **dates}
    )
    edition.full_clean()
    edition.save()
    return edition


def _submitted(*, edition: Edition, user: User, project_title: str):
    """A complete draft (the caller submits it), or None if the person already applied."""
    if Application.objects.filter(edition=edition, applicant=user).exists():
        return None
    application = Application.objects.create(
        edition=edition,
        applicant=user,
        completed_steps=REQUIRED_STEPS,
        phone="07700 900123",
        postcode="LS8 3AA",
        region="yorkshire",
        is_member=True,
        membership_reference=user.email,
        local_group="Leeds Momentum",
        clp="Leeds East",
        organising_kinds=["local-group", "tenants-union"],
        experience="Two years organising with a tenants' union and a year as the local "
        "group's secretary.",
        project_title=project_title,
        project_kind="political-education",
        project_description="Monthly evening sessions on housing, class and organising.",
        project_involves="The local tenants' union and Leeds Momentum.",
        project_success="Thirty renters come along and five of them join the local group.",
        weekend_choice="both",
        available_closing_day=True,
        available_online_sessions=True,
        has_device=True,
        needs_travel_paid=True,
        journey_time_a="over-2.5h",
        journey_time_b="under-1h",
        may_need_accommodation=False,
        consent_special_category=True,
    )
    services._set_referees(
        application=application,
        at=timezone.now(),
        referees=[
            {
                "name": "Ada Lewis",
                "email": f"ada.referee.{application.pk}@example.org",
                "phone": "",
                "organisation": "Secretary, Leeds Momentum",
                "relationship": "We run the local group together",
                "known_for": "three years",
            },
            {
                "name": "Ben Harris",
                "email": f"ben.referee.{application.pk}@example.org",
                "phone": "",
                "organisation": "Branch chair, Unite",
                "relationship": "My union branch chair",
                "known_for": "two years",
            },
        ],
    )
    return application


def _add_references(application: Application, count: int) -> None:
    for referee in application.referees.order_by("position")[:count]:
        Reference.objects.create(
            referee=referee,
            relationship="We have organised together since 2019.",
            known_for="three years",
            commitment="Turns up, follows through and brings new people with them.",
            examples="Built the renters' network from five people to sixty.",
            recommendation="yes",
        )


@transaction.atomic
def load() -> None:
    now = timezone.localtime()
    day = now.replace(hour=9, minute=0, second=0, microsecond=0)
    reviewer = User.objects.get(email="reviewer@example.org")
    admin_user = User.objects.get(email="admin@example.org")

    # Waiting for decision day: applications closed, references in, decisions recorded.
    deciding = _edition(
        year=now.year,
        day=day,
        offsets={
            "applications_open_at": -40,
            "applications_close_at": -10,
            "reference_deadline": -3,
            "decisions_release_at": 5,
            "offer_response_deadline": 19,
            "weekend_a_starts_on": 60,
            "weekend_a_ends_on": 61,
            "weekend_b_starts_on": 74,
            "weekend_b_ends_on": 75,
            "closing_day": 180,
        },
    )
    for email, title, decision in [
        ("applicant3@example.org", "A CLP political education night", Decision.ACCEPTED),
        ("applicant2@example.org", "Growing Hackney Momentum", Decision.WAITLISTED),
    ]:
        application = _submitted(
            edition=deciding, user=User.objects.get(email=email), project_title=title
        )
        if application:
            Application.objects.filter(pk=application.pk).update(
                status=ApplicationStatus.SUBMITTED, submitted_at=deciding.applications_close_at
            )
            _add_references(application, 2)
            reviews.reviews_assign(edition=deciding)
            Review.objects.get_or_create(
                application=application,
                reviewer=reviewer,
                defaults={
                    "commitment": 4,
                    "experience": 4,
                    "project": 5,
                    "potential": 4,
                    "recommendation": "accept",
                    "comment": "A grounded project with clear support.",
                },
            )
            decisions.decision_record(application=application, decision=decision, by=admin_user)

    # Open for applications now: one submitted application, one draft.
    open_edition = Edition.objects.open_for_applications().first() or _edition(
        year=now.year + 1,
        day=day,
        offsets={
            "applications_open_at": -7,
            "applications_close_at": 28,
            "reference_deadline": 35,
            "info_session_at": 7,
            "decisions_release_at": 49,
            "offer_response_deadline": 63,
            "weekend_a_starts_on": 90,
            "weekend_a_ends_on": 91,
            "weekend_b_starts_on": 104,
            "weekend_b_ends_on": 105,
            "closing_day": 210,
        },
    )
    if not open_edition.is_open_for_applications(at=now):
        return
    applicant = User.objects.get(email="applicant1@example.org")
    application = _submitted(
        edition=open_edition,
        user=applicant,
        project_title="Renters' political education series in Harehills",
    )
    if application:
        # Submitted as the form would: the confirmation and both reference requests go out.
        services.application_submit(application=application, by=applicant)
        _add_references(application, 1)
    reviews.reviews_assign(edition=open_edition)
    Application.objects.get_or_create(
        edition=open_edition,
        applicant=User.objects.get(email="applicant2@example.org"),
        defaults={
            "completed_steps": ["about"],
            "phone": "07700 900456",
            "postcode": "E8 1DY",
            "region": "london",
        },
    )
