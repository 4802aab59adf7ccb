"""Demo data for applications: an edition open now (one application submitted, one draft) and
this year's edition waiting for decision day, at a realistic scale: about 150 submitted
applications across regions and weekends, their references, reviews and most decisions.

Everything is made with bulk inserts so `make run` (and the hooks that reload the demo) stay
fast on SQLite; every person and referee has an example.org address."""

import datetime as dt
import random
import secrets

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from panitch.demo import EDITION_2021
from panitch.enums import Role
from panitch.models import Edition, User
from panitch.services import user_grant_role

from . import decisions, reviews, services
from .enums import (
    ApplicationStatus,
    Decision,
    JourneyTime,
    OrganisingKind,
    ProjectKind,
    Recommendation,
    Region,
    ReviewRecommendation,
    WeekendChoice,
)
from .models import (
    Application,
    DecisionChange,
    Referee,
    Reference,
    Review,
    ReviewAssignment,
)

CROWD = 150
CROWD_EMAIL = "demo.applicant.{n:03d}@example.org"
DEMO_REVIEWERS = [
    ("reviewer2@example.org", "Nadia", "Karim"),
    ("reviewer3@example.org", "Owen", "Pryce"),
    ("reviewer4@example.org", "Grace", "Mensah"),
]
FIRST_NAMES = [
    "Aisha", "Ben", "Chloe", "Dev", "Ellie", "Femi", "Gwen", "Hamza", "Isla", "Jamal",
    "Kate", "Liam", "Maya", "Niall", "Olu", "Poppy", "Rhys", "Sana", "Tariq", "Uma",
    "Vik", "Wren", "Yusuf", "Zara", "Callum", "Priti", "Siobhan", "Kwame", "Rosa", "Iwan",
]  # fmt: skip
LAST_NAMES = [
    "Ahmed", "Bennett", "Campbell", "Davies", "Evans", "Fraser", "Green", "Hussain",
    "Ibrahim", "Jones", "Kaur", "Lewis", "McDonald", "Nowak", "O'Brien", "Patel", "Quinn",
    "Roberts", "Singh", "Taylor", "Walsh", "Williams", "Young", "Zielinski",
]  # fmt: skip
PLACES = {
    Region.NORTH_EAST: ("Newcastle", "NE1 4ST"),
    Region.NORTH_WEST: ("Manchester", "M14 5RB"),
    Region.YORKSHIRE: ("Sheffield", "S2 4SU"),
    Region.EAST_MIDLANDS: ("Nottingham", "NG7 1FN"),
    Region.WEST_MIDLANDS: ("Birmingham", "B12 9QR"),
    Region.EAST: ("Norwich", "NR2 3AX"),
    Region.LONDON: ("Lewisham", "SE13 6AT"),
    Region.SOUTH_EAST: ("Brighton", "BN2 3EA"),
    Region.SOUTH_WEST: ("Bristol", "BS5 6XX"),
    Region.WALES: ("Cardiff", "CF24 3AA"),
    Region.SCOTLAND: ("Glasgow", "G42 8AB"),
    Region.NORTHERN_IRELAND: ("Belfast", "BT7 1NN"),
}
PROJECTS = [
    (ProjectKind.POLITICAL_EDUCATION, "A {place} political education series for renters"),
    (ProjectKind.CAMPAIGN, "A {place} campaign for council housing repairs"),
    (ProjectKind.CLP_INFLUENCE, "More socialist delegates in {place}'s CLP"),
    (ProjectKind.GROW_LOCAL_GROUP, "Doubling the active members of {place} Momentum"),
    (ProjectKind.CAMPAIGN, "Winning a living wage at {place}'s hospital trust"),
    (ProjectKind.POLITICAL_EDUCATION, "A {place} reading group on class and race"),
]

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


def _weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _edition(*, year: int, day: dt.datetime, offsets: dict) -> Edition:
    """An edition in `year` shaped like 2021's, its dates about `offsets` days from `day`:
    weekends on a Saturday and Sunday (10:00 to 18:00, as in 2021), the closing day on a
    Saturday, the information session on a Wednesday at 18:00."""
    edition = Edition.objects.filter(year=year).first()
    if edition:
        return edition  # leave staff's dates alone
    offsets = dict(offsets)
    days = {field: offsets.pop(field) for field in ("weekend_a", "weekend_b", "closing_day")}
    info = offsets.pop("info_session_at", None)
    dates = {field: day + dt.timedelta(days=n) for field, n in offsets.items()}
    for weekend in ("weekend_a", "weekend_b"):
        saturday = _weekday_on_or_after((day + dt.timedelta(days=days[weekend])).date(), 5)
        dates[f"{weekend}_starts_on"] = saturday
        dates[f"{weekend}_ends_on"] = saturday + dt.timedelta(days=1)
    dates["closing_day"] = _weekday_on_or_after(
        (day + dt.timedelta(days=days["closing_day"])).date(), 5
    )
    dates["info_session_at"] = None
    dates["info_session_url"] = ""
    if info is not None:
        wednesday = _weekday_on_or_after((day + dt.timedelta(days=info)).date(), 2)
        dates["info_session_at"] = timezone.make_aware(
            dt.datetime.combine(wednesday, dt.time(18, 0)), day.tzinfo
        )
        dates["info_session_url"] = "https://meet.example.org/panitch-information-session"
    edition = Edition(**{**EDITION_2021, "name": str(year), "year": year, **dates})
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
            "weekend_a": 60,
            "weekend_b": 74,
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
    _crowd(edition=deciding, admin_user=admin_user)

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
            "weekend_a": 90,
            "weekend_b": 104,
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


def _demo_reviewers() -> list[User]:
    people = []
    for email, first, last in DEMO_REVIEWERS:
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email=email, password=None, first_name=first, last_name=last
        )
        people.append(user_grant_role(user=user, role=Role.REVIEWER))
    return people


def _crowd(*, edition: Edition, admin_user: User) -> None:
    """About 150 submitted applications to the edition waiting for decision day, once."""
    if Application.objects.filter(
        edition=edition, applicant__email=CROWD_EMAIL.format(n=1)
    ).exists():
        return
    rng = random.Random(edition.year)  # the same crowd every time
    people = [User.objects.get(email="reviewer@example.org"), *_demo_reviewers()]
    no_password = make_password(None)
    User.objects.bulk_create(
        [
            User(
                email=CROWD_EMAIL.format(n=n),
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                password=no_password,
            )
            for n in range(1, CROWD + 1)
        ]
    )
    users = list(User.objects.filter(email__startswith="demo.applicant.").order_by("email"))
    regions = list(PLACES)
    # Most can do either weekend; London and Leeds each draw their own.
    weekends = [WeekendChoice.BOTH] * 5 + [WeekendChoice.A] * 3 + [WeekendChoice.B] * 3
    journeys = JourneyTime.values
    kinds = OrganisingKind.values
    close = edition.applications_close_at
    Application.objects.bulk_create(
        [
            _crowd_application(
                edition=edition,
                user=user,
                region=regions[(n * 7) % len(regions)],
                weekend=rng.choice(weekends),
                project=PROJECTS[n % len(PROJECTS)],
                kinds=rng.sample(kinds, rng.randint(1, 3)),
                journeys=(rng.choice(journeys), rng.choice(journeys)),
                submitted_at=close - dt.timedelta(hours=rng.randint(1, 24 * 26)),
                rng=rng,
            )
            for n, user in enumerate(users)
        ]
    )
    applications = list(
        Application.objects.filter(edition=edition, applicant__in=users).order_by("pk")
    )
    referees = Referee.objects.bulk_create(
        [
            Referee(
                application=application,
                position=position,
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                email=f"referee.{application.pk}.{position}@example.org",
                organisation=rng.choice(
                    [
                        "Secretary, local Momentum group",
                        "Branch chair, Unite",
                        "CLP political education officer",
                        "Organiser, ACORN",
                        "Shop steward, UNISON",
                    ]
                ),
                relationship="We organise together",
                known_for=f"{rng.randint(1, 8)} years",
                token=secrets.token_urlsafe(32),
                requested_at=application.submitted_at,
            )
            for application in applications
            for position in (1, 2)
        ]
    )
    # Most references arrive; a few are late and one in twenty-five declines.
    Reference.objects.bulk_create(
        [
            Reference(
                referee=referee,
                declined=(declined := rng.random() < 0.04),
                relationship="" if declined else "We have organised together for years.",
                known_for="" if declined else referee.known_for,
                commitment="" if declined else "Reliable, principled and brings people with them.",
                examples="" if declined else "Built the local renters' network from scratch.",
                recommendation="" if declined else rng.choice(Recommendation.values[:2]),
            )
            for referee in referees
            if rng.random() < 0.88
        ]
    )
    reviews.reviews_assign(edition=edition)
    assigned = ReviewAssignment.objects.filter(
        application__in=applications, reviewer__in=people
    ).values_list("application_id", "reviewer_id")
    scores = {}
    review_rows = []
    for application_id, reviewer_id in assigned:
        if rng.random() > 0.9:
            continue  # not reviewed yet
        base = scores.setdefault(application_id, rng.randint(2, 5))
        marks = [min(max(base + rng.randint(-1, 1), 1), 5) for _ in range(4)]
        review_rows.append(
            Review(
                application_id=application_id,
                reviewer_id=reviewer_id,
                commitment=marks[0],
                experience=marks[1],
                project=marks[2],
                potential=marks[3],
                recommendation=(
                    ReviewRecommendation.ACCEPT
                    if sum(marks) >= 15
                    else ReviewRecommendation.MAYBE
                    if sum(marks) >= 11
                    else ReviewRecommendation.REJECT
                ),
                comment=rng.choice(["", "Clear and winnable.", "Needs a sharper local focus."]),
            )
        )
    Review.objects.bulk_create(review_rows)
    _crowd_decisions(edition=edition, applications=applications, scores=scores, by=admin_user)


def _crowd_application(
    *, edition, user, region, weekend, project, kinds, journeys, submitted_at, rng
):
    place, postcode = PLACES[region]
    kind, title = project
    return Application(
        edition=edition,
        applicant=user,
        status=ApplicationStatus.SUBMITTED,
        submitted_at=submitted_at,
        completed_steps=REQUIRED_STEPS,
        phone=f"07700 9{rng.randint(0, 99999):05d}",
        postcode=postcode,
        region=region,
        is_member=True,
        membership_reference=user.email,
        local_group=f"{place} Momentum",
        clp=f"{place} Central",
        trade_union=rng.choice(["", "Unite", "UNISON", "GMB", "NEU", "CWU"]),
        organising_kinds=kinds,
        experience=f"Organising in {place} for {rng.randint(1, 10)} years: door-knocking, "
        "running meetings and supporting new members.",
        project_title=title.format(place=place),
        project_kind=kind,
        project_description=f"A project rooted in {place}, built with the people it is for.",
        project_involves=f"{place} Momentum, local union branches and tenants.",
        project_success="More people organised, and a few of them leading next year.",
        weekend_choice=weekend,
        available_closing_day=True,
        available_online_sessions=rng.random() < 0.9,
        has_device=True,
        needs_travel_paid=rng.random() < 0.6,
        journey_time_a=journeys[0],
        journey_time_b=journeys[1],
        may_need_accommodation=journeys[0] == JourneyTime.OVER_TWO_AND_HALF,
        consent_special_category=True,
        privacy_notice_version="2021-1",
        consented_at=submitted_at,
    )


def _crowd_decisions(*, edition, applications, scores, by) -> None:
    """Best first: places accepted, the next fifteen waitlisted in rank order, most of the rest
    unsuccessful; a dozen are left undecided for staff to try the bulk decision on."""
    ranked = sorted(applications, key=lambda a: (-scores.get(a.pk, 0), a.pk))
    undecided = {a.pk for a in ranked[-40::3]}
    already = Application.objects.filter(edition=edition, decision=Decision.ACCEPTED).count()
    now = timezone.now()
    changes = []
    waitlist = 1 + (
        Application.objects.filter(edition=edition, decision=Decision.WAITLISTED).count()
    )
    for position, application in enumerate(
        (a for a in ranked if a.pk not in undecided), start=already
    ):
        if position < edition.places:
            application.decision = Decision.ACCEPTED
        elif position < edition.places + 15:
            application.decision = Decision.WAITLISTED
            application.waitlist_rank = waitlist
            waitlist += 1
        else:
            application.decision = Decision.UNSUCCESSFUL
        application.decided_by = by
        application.decided_at = now
        changes.append(
            DecisionChange(
                application=application,
                decision=application.decision,
                waitlist_rank=application.waitlist_rank,
                changed_by=by,
                changed_at=now,
                note="Demo: the selection panel",
            )
        )
    Application.objects.bulk_update(
        [change.application for change in changes],
        ["decision", "waitlist_rank", "decided_by", "decided_at"],
    )
    DecisionChange.objects.bulk_create(changes)
