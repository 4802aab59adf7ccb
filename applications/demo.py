"""Demo data for applications: an edition open now, one submitted application, one draft."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from panitch.demo import EDITION_2021
from panitch.models import Edition, User

from . import services
from .enums import ApplicationStatus
from .models import Application, Reference

PROJECT = {
    "project_title": "Renters' political education series in Harehills",
    "project_kind": "political-education",
    "project_description": "Monthly evening sessions on housing, class and organising for renters.",
    "project_involves": "The local tenants' union and Leeds Momentum.",
    "project_success": "Thirty renters come along and five of them join the local group.",
}


def _open_edition() -> Edition | None:
    """This year's demo edition: open for applications whenever the demo is first loaded."""
    open_now = Edition.objects.open_for_applications().first()
    if open_now:
        return open_now
    now = timezone.localtime()
    year = now.year + 1
    if Edition.objects.filter(year=year).exists():
        return None  # it exists but is closed: leave staff's dates alone
    day = now.replace(hour=9, minute=0, second=0, microsecond=0)
    edition = Edition(
        **{
            **EDITION_2021,
            "name": str(year),
            "year": year,
            "applications_open_at": day - dt.timedelta(days=7),
            "applications_close_at": day + dt.timedelta(days=28, hours=14, minutes=59),
            "reference_deadline": day + dt.timedelta(days=35, hours=14, minutes=59),
            "info_session_at": day + dt.timedelta(days=7, hours=9),
            "decisions_release_at": day + dt.timedelta(days=49),
            "offer_response_deadline": day + dt.timedelta(days=63, hours=14, minutes=59),
            "weekend_a_starts_on": (day + dt.timedelta(days=90)).date(),
            "weekend_a_ends_on": (day + dt.timedelta(days=91)).date(),
            "weekend_b_starts_on": (day + dt.timedelta(days=104)).date(),
            "weekend_b_ends_on": (day + dt.timedelta(days=105)).date(),
            "closing_day": (day + dt.timedelta(days=210)).date(),
        }
    )
    edition.full_clean()
    edition.save()
    return edition


@transaction.atomic
def load() -> None:
    edition = _open_edition()
    if edition is None:
        return
    submitted = User.objects.get(email="applicant1@example.org")
    if not Application.objects.filter(edition=edition, applicant=submitted).exists():
        application = Application.objects.create(
            edition=edition,
            applicant=submitted,
            completed_steps=[
                "about",
                "membership",
                "experience",
                "project",
                "availability",
                "travel",
                "referees",
                "consent",
            ],
            phone="07700 900123",
            postcode="LS8 3AA",
            region="yorkshire",
            is_member=True,
            membership_reference="applicant1@example.org",
            local_group="Leeds Momentum",
            clp="Leeds East",
            organising_kinds=["local-group", "tenants-union"],
            experience="Two years organising with a tenants' union and a year as the local "
            "group's secretary.",
            weekend_choice="both",
            available_closing_day=True,
            available_online_sessions=True,
            has_device=True,
            needs_travel_paid=True,
            journey_time_a="over-2.5h",
            journey_time_b="under-1h",
            may_need_accommodation=False,
            consent_special_category=True,
            **PROJECT,
        )
        services._set_referees(
            application=application,
            at=timezone.now(),
            referees=[
                {
                    "name": "Ada Lewis",
                    "email": "ada.referee@example.org",
                    "phone": "",
                    "organisation": "Secretary, Leeds Momentum",
                    "relationship": "We run the local group together",
                    "known_for": "three years",
                },
                {
                    "name": "Ben Harris",
                    "email": "ben.referee@example.org",
                    "phone": "",
                    "organisation": "Branch chair, Unite",
                    "relationship": "My union branch chair",
                    "known_for": "two years",
                },
            ],
        )
        services.application_submit(application=application, by=submitted)
        first = application.referees.get(position=1)
        Reference.objects.create(
            referee=first,
            relationship="We have run Leeds Momentum together since 2019.",
            known_for="three years",
            commitment="Sam turns up, follows through and brings new people with them.",
            examples="Built the renters' network from five people to sixty.",
            recommendation="yes",
        )
    drafting = User.objects.get(email="applicant2@example.org")
    Application.objects.get_or_create(
        edition=edition,
        applicant=drafting,
        defaults={
            "status": ApplicationStatus.DRAFT,
            "completed_steps": ["about"],
            "phone": "07700 900456",
            "postcode": "E8 1DY",
            "region": "london",
        },
    )
