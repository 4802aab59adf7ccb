"""Demo data for cohorts.

1. The 2021 edition: 40 confirmed places waiting for allocation, with its two cohorts
   (London, weekend A; Leeds, weekend B) created and nobody allocated yet.
2. A running edition (year = this year - 1): allocated months ago, weekends held 10 and 8 weeks
   ago, closing day 3 weeks ahead; London and Leeds with 20 participants each, facilitated by
   facilitator@example.org and facilitator2@example.org; participant@example.org is in London.
3. A completed edition (year = this year - 2): applications about 20 months ago, weekends 15 to
   16 months ago, closing day a year ago; London and Leeds with 12 participants each, the
   facilitators the other way round (facilitator2@example.org led London).

Idempotent and quick: people are created in bulk, without password hashing (only the demo
logins from panitch.demo can sign in).
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from applications.demo import _edition
from applications.enums import ApplicationStatus, ConfirmedWeekend, Decision, OfferStatus
from applications.models import Application, DecisionRelease
from panitch.models import Edition, User

from . import services
from .enums import Weekend
from .models import AllocationCommit, Cohort, Participant

FIRST = [
    "Amara", "Ben", "Chloe", "Dev", "Ellie", "Farid", "Grace", "Hamza", "Isla", "Jamal",
    "Kate", "Liam", "Maya", "Niall", "Olu", "Poppy", "Qasim", "Rhian", "Sian", "Tariq",
    "Uma", "Vik", "Wren", "Xander", "Yasmin", "Zak", "Aoife", "Bilal", "Cerys", "Dan",
    "Esi", "Finn", "Gita", "Hugo", "Ifeoma", "Joel", "Kiran", "Lola", "Marek", "Nadia",
]  # fmt: skip
LAST = [
    "Achebe", "Barker", "Campbell", "Desai", "Evans", "Farooq", "Gallagher", "Hussain",
    "Ibrahim", "Jones", "Kaur", "Lewis", "Mensah", "Nolan", "Okoro", "Patel", "Quinn",
    "Rahman", "Shaw", "Thomas",
]  # fmt: skip

# region, postcode, journey to London (weekend A), journey to Leeds (weekend B); blank bands
# are estimated from the postcode by the allocation.
HOMES = [
    ("london", "E8 1DY", "under-1h", "over-2.5h"),
    ("london", "SE15 4QN", "under-1h", "over-2.5h"),
    ("yorkshire", "LS8 3AA", "over-2.5h", "under-1h"),
    ("yorkshire", "S7 1FD", "1h-2.5h", "under-1h"),
    ("north-west", "M14 5RT", "1h-2.5h", "1h-2.5h"),
    ("west-midlands", "B12 9QH", "1h-2.5h", "1h-2.5h"),
    ("south-west", "BS5 6XX", "1h-2.5h", "over-2.5h"),
    ("north-east", "NE6 5PA", "over-2.5h", "1h-2.5h"),
    ("wales", "CF24 3AB", "1h-2.5h", "over-2.5h"),
    ("scotland", "G41 2PE", "over-2.5h", "over-2.5h"),
    ("east", "NR2 3DD", "1h-2.5h", "over-2.5h"),
    ("south-east", "BN2 0GY", "1h-2.5h", "over-2.5h"),
    ("east-midlands", "NG7 2RD", "1h-2.5h", "1h-2.5h"),
    ("north-west", "L8 2TE", "", ""),
    ("yorkshire", "HU5 2QP", "", ""),
    ("south-east", "OX4 1EZ", "under-1h", "over-2.5h"),
]
WEEKENDS = [ConfirmedWeekend.A, ConfirmedWeekend.B, ConfirmedWeekend.BOTH, ConfirmedWeekend.BOTH]
KINDS = [
    ["local-group"],
    ["local-group", "clp"],
    ["trade-union", "tenants-union", "local-group"],
    ["environmental"],
    ["anti-racist", "clp"],
]
PROJECTS = [
    "Political education nights in {town}",
    "A renters' campaign in {town}",
    "More socialist influence in {town} CLP",
    "Growing {town} Momentum's active members",
]
TOWN = {
    "london": "Hackney",
    "yorkshire": "Leeds",
    "north-west": "Manchester",
    "west-midlands": "Birmingham",
    "south-west": "Bristol",
    "north-east": "Newcastle",
    "wales": "Cardiff",
    "scotland": "Glasgow",
    "east": "Norwich",
    "south-east": "Brighton",
    "east-midlands": "Nottingham",
}


def _person(edition: Edition, n: int, *, names_from: int = 0) -> dict:
    region, postcode, journey_a, journey_b = HOMES[n % len(HOMES)]
    town = TOWN[region]
    name = n + names_from  # another edition's people need not share this one's names
    return {
        "email": f"demo.{edition.year}.{n:02d}@example.org",
        "first_name": FIRST[name % len(FIRST)],
        "last_name": LAST[(name * 7) % len(LAST)],
        "region": region,
        "postcode": postcode,
        "journey_time_a": journey_a,
        "journey_time_b": journey_b,
        "local_group": f"{town} Momentum",
        "clp": f"{town} Central",
        "trade_union": "Unite" if n % 3 == 0 else ("UNISON" if n % 3 == 1 else ""),
        "organising_kinds": KINDS[n % len(KINDS)],
        "project_title": PROJECTS[n % len(PROJECTS)].format(town=town),
        "may_need_accommodation": journey_a == "over-2.5h" and journey_b == "over-2.5h",
        "pronouns": ["she/her", "he/him", "they/them", ""][n % 4],
    }


def _confirmed_places(
    *, edition: Edition, count: int, weekends, named=None, names_from: int = 0
) -> list[Application]:
    """`count` accepted applications with confirmed offers (the people created in bulk), or the
    edition's existing ones if it has them already. `named`: {n: user} for the places of
    existing accounts (the demo logins)."""
    existing = list(
        Application.objects.filter(edition=edition, offer_status=OfferStatus.CONFIRMED).order_by(
            "pk"
        )
    )
    if existing:
        return existing
    people = [_person(edition, n, names_from=names_from) for n in range(count)]
    emails = [person["email"] for person in people]
    users = {user.email: user for user in User.objects.filter(email__in=emails)}
    new_users = []
    for person in people:
        if person["email"] not in users:
            user = User(
                email=person["email"],
                first_name=person["first_name"],
                last_name=person["last_name"],
            )
            user.set_unusable_password()
            new_users.append(user)
    User.objects.bulk_create(new_users)
    users = {user.email: user for user in User.objects.filter(email__in=emails)}
    for n, user in (named or {}).items():
        users[emails[n]] = user
    responded = edition.decisions_release_at + dt.timedelta(days=3)
    applications = []
    for n, person in enumerate(people):
        fields = {k: v for k, v in person.items() if k not in ("email", "first_name", "last_name")}
        applications.append(
            Application(
                edition=edition,
                applicant=users[person["email"]],
                status=ApplicationStatus.SUBMITTED,
                completed_steps=["about", "membership", "experience", "project"],
                submitted_at=edition.applications_close_at - dt.timedelta(days=2),
                phone=f"07700 900{n:03d}",
                is_member=True,
                membership_reference=person["email"],
                experience="Organising locally for a couple of years.",
                project_kind="political-education",
                weekend_choice="both",
                available_closing_day=True,
                available_online_sessions=True,
                has_device=True,
                needs_travel_paid=n % 2 == 0,
                consent_special_category=True,
                decision=Decision.ACCEPTED,
                decided_at=edition.decisions_release_at - dt.timedelta(days=5),
                offer_status=OfferStatus.CONFIRMED,
                offered_at=edition.decisions_release_at,
                offer_deadline=edition.offer_response_deadline,
                offer_responded_at=responded,
                confirmed_weekend=weekends[n % len(weekends)],
                **fields,
            )
        )
    Application.objects.bulk_create(applications)
    DecisionRelease.objects.get_or_create(
        edition=edition, defaults={"released_at": edition.decisions_release_at}
    )
    return list(
        Application.objects.filter(edition=edition, offer_status=OfferStatus.CONFIRMED).order_by(
            "pk"
        )
    )


def _waiting_2021() -> None:
    edition = Edition.objects.get(year=2021)
    services.cohorts_create_default(edition=edition)
    if AllocationCommit.objects.filter(edition=edition).exists():
        return
    _confirmed_places(edition=edition, count=40, weekends=WEEKENDS)


def _saturday_offset(day, offset: int, *, after: bool = False) -> int:
    """`offset` days from `day`, moved to the Saturday on or before it (on or after it)."""
    weekday = (day + dt.timedelta(days=offset)).weekday()
    return offset + (5 - weekday) % 7 if after else offset - (weekday - 5) % 7


def _running(now) -> Edition:
    day = now.replace(hour=9, minute=0, second=0, microsecond=0)
    weekend_a = _saturday_offset(day, -70)  # Saturdays, as the programme's weekends are
    closing = _saturday_offset(day, 21, after=True)
    edition = _edition(
        year=now.year - 1,
        day=day,
        offsets={
            "applications_open_at": -240,
            "applications_close_at": -215,
            "reference_deadline": -208,
            "decisions_release_at": -180,
            "offer_response_deadline": -166,
            "weekend_a": weekend_a,
            "weekend_b": weekend_a + 14,
            "closing_day": closing,
        },
    )
    cohorts = _cohorts(
        edition, facilitators=["facilitator@example.org", "facilitator2@example.org"]
    )
    # Twenty can come to weekend A (London), twenty to weekend B (Leeds): participant is #0.
    _allocated(
        edition,
        cohorts=cohorts,
        count=40,
        named=lambda: {0: User.objects.get(email="participant@example.org")},
    )
    return edition


def _completed(now) -> Edition:
    """The edition before the running one, its whole programme over."""
    day = now.replace(hour=9, minute=0, second=0, microsecond=0)
    weekend_a = _saturday_offset(day, -480)
    closing = _saturday_offset(day, -365)
    edition = _edition(
        year=now.year - 2,
        day=day,
        offsets={
            # Its application window ends long before the running edition's opens.
            "applications_open_at": -610,
            "applications_close_at": -585,
            "reference_deadline": -578,
            "decisions_release_at": -550,
            "offer_response_deadline": -536,
            "weekend_a": weekend_a,
            "weekend_b": weekend_a + 14,
            "closing_day": closing,
        },
    )
    cohorts = _cohorts(
        edition, facilitators=["facilitator2@example.org", "facilitator@example.org"]
    )
    _allocated(edition, cohorts=cohorts, count=24, names_from=13)
    return edition


def _allocated(edition: Edition, *, cohorts, count: int, named=None, names_from: int = 0) -> None:
    """`count` confirmed places, half able to come to weekend A and half to B, each made a
    participant of the cohort of their weekend, committed the day after offers closed; once.
    `named`: a callable giving {n: user} for the places of demo logins."""
    if Participant.objects.filter(edition=edition).exists():
        return
    by_weekend = {
        ConfirmedWeekend.A: next(c for c in cohorts if c.weekend == Weekend.A),
        ConfirmedWeekend.B: next(c for c in cohorts if c.weekend == Weekend.B),
    }
    applications = _confirmed_places(
        edition=edition,
        count=count,
        weekends=[ConfirmedWeekend.A, ConfirmedWeekend.B],
        named=named() if named else None,
        names_from=names_from,
    )
    Participant.objects.bulk_create(
        [
            Participant(
                edition=edition,
                person_id=application.applicant_id,
                application=application,
                cohort=by_weekend[application.confirmed_weekend],
                joined_at=edition.offer_response_deadline,
                share_contact=n % 2 == 0,
                dietary_needs="Vegetarian" if n % 5 == 0 else "",
            )
            for n, application in enumerate(applications)
        ]
    )
    services.participant_group_sync(user_ids=[a.applicant_id for a in applications])
    AllocationCommit.objects.get_or_create(
        edition=edition,
        defaults={
            "committed_at": edition.offer_response_deadline + dt.timedelta(days=1),
            "participants_created": len(applications),
            "status": "optimal",
        },
    )


def _cohorts(edition: Edition, *, facilitators: list[str]):
    """London (weekend A) and Leeds (weekend B), led by the two facilitators in that order."""
    cohorts = []
    for (weekend, city, name, street), facilitator in zip(
        [
            (Weekend.A, "London", "Bishopsgate Institute", "230 Bishopsgate, London EC2M 4QH"),
            (Weekend.B, "Leeds", "Leeds Civic Hall", "Calverley Street, Leeds LS1 1UR"),
        ],
        facilitators,
        strict=True,
    ):
        cohort, _ = Cohort.objects.get_or_create(
            edition=edition,
            name=city,
            defaults={
                "weekend": weekend,
                "venue_city": city,
                "venue_name": name,
                "venue_address": street,
                "venue_access_notes": "Step-free entrance; accessible toilets on each floor.",
                "capacity": 20,
            },
        )
        cohort.facilitators.add(User.objects.get(email=facilitator))
        cohorts.append(cohort)
    return cohorts


@transaction.atomic
def load() -> None:
    now = timezone.localtime()
    _waiting_2021()
    _completed(now)
    _running(now)
