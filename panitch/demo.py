"""Demo data: the 2021 edition from the source documents, staff in each role, applicants."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.db import transaction

from .enums import Role
from .models import Edition, User
from .services import user_grant_role

LONDON = ZoneInfo("Europe/London")
DEMO_PASSWORD = "panitch-demo-2021"
FORMER_REAL_DOMAIN = "@peoplesmomentum.com"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    first_name: str
    last_name: str
    role: Role | None
    label: str


DEMO_LOGINS = [
    DemoLogin("admin@example.org", "Rachel", "Adeyemi", Role.PROGRAMME_ADMIN, "programme admin"),
    DemoLogin("reviewer@example.org", "Tom", "Brennan", Role.REVIEWER, "reviewer"),
    DemoLogin("facilitator@example.org", "Priya", "Chandra", Role.FACILITATOR, "facilitator"),
    DemoLogin("applicant1@example.org", "Sam", "Okafor", None, "applicant"),
    DemoLogin("applicant2@example.org", "Jess", "Morgan", None, "applicant"),
    DemoLogin("applicant3@example.org", "Aled", "Hughes", None, "applicant"),
    DemoLogin("participant@example.org", "Nia", "Roberts", None, "participant"),
    DemoLogin("facilitator2@example.org", "Kwame", "Asante", Role.FACILITATOR, "facilitator"),
]


def _at(year, month, day, hour=0, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


EDITION_2021 = {
    "name": "2021",
    "applications_open_at": _at(2021, 4, 12, 9),
    "applications_close_at": _at(2021, 5, 9, 23, 59),
    "reference_deadline": _at(2021, 5, 16, 23, 59),
    "info_session_at": _at(2021, 4, 28, 18),
    "info_session_url": "https://meet.example.org/panitch-information-session",
    "decisions_release_at": _at(2021, 6, 2, 9),
    "offer_response_deadline": _at(2021, 6, 16, 23, 59),
    "weekend_a_starts_on": dt.date(2021, 8, 7),
    "weekend_a_ends_on": dt.date(2021, 8, 8),
    "weekend_a_city": "London",
    "weekend_b_starts_on": dt.date(2021, 8, 21),
    "weekend_b_ends_on": dt.date(2021, 8, 22),
    "weekend_b_city": "Leeds",
    "weekend_day_starts_at": dt.time(10, 0),
    "weekend_day_ends_at": dt.time(18, 0),
    "closing_day": dt.date(2021, 11, 20),
    "cohort_count": 2,
    "cohort_size": 20,
    "contact_name": "Rachel",
    # Demo data must never be able to email a real person or organisation.
    "contact_email": "rachel.contact@example.org",
}


@transaction.atomic
def load_demo_data() -> list[DemoLogin]:
    """Create (or bring back) the demo edition and accounts; running it twice changes nothing."""
    edition = Edition.objects.filter(year=2021).first() or Edition(year=2021, **EDITION_2021)
    if edition.pk is None:
        edition.full_clean()
        edition.save()
    elif edition.contact_email.endswith(FORMER_REAL_DOMAIN):
        # Demo databases made before the demo contact was an example.org address.
        edition.contact_email = EDITION_2021["contact_email"]
        edition.save(update_fields=["contact_email"])
    for login in DEMO_LOGINS:
        user = User.objects.filter(email=login.email).first()
        if user is None:
            user = User.objects.create_user(
                email=login.email,
                password=DEMO_PASSWORD,
                first_name=login.first_name,
                last_name=login.last_name,
            )
        EmailAddress.objects.update_or_create(
            user=user, email=login.email, defaults={"verified": True, "primary": True}
        )
        if login.role:
            user_grant_role(user=user, role=login.role)
    return DEMO_LOGINS
