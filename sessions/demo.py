"""Demo schedule: the running edition's 19 sessions per cohort, with attendance for the past
ones and a few free-session requests; and the completed edition's 19 per cohort, every one of
them over and its register taken. Builds on the cohorts demo; does nothing without it, and
nothing the second time."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from cohorts.models import Cohort, Participant
from panitch.models import Edition, User

from . import services
from .enums import AttendanceStatus, FreeSessionKind, Part, Strand
from .models import Attendance, FreeSessionRequest, FreeSessionSupport, Session

# fmt: off
# (day, starts, ends, strand, title, description): essentials first.
WEEKEND = [
    (1, "10:00", "11:30", Strand.POLITICAL, "Class politics: unequal power in the economy",
     "Who owns, who works and who decides: the economy as a relation of power."),
    (1, "11:45", "13:00", Strand.POLITICAL, "Working-class organisation as the driver of change",
     "Why change comes from organised working people, and what that asks of us."),
    (1, "14:00", "15:15", Strand.ORGANISING, "Picking winnable campaigns and tactics",
     "Choosing a fight you can win, and the tactics that build power as you win it."),
    (1, "15:30", "16:45", Strand.ORGANISING, "Building effective teams",
     "Roles, rhythms and trust: teams that last longer than one campaign."),
    (1, "17:00", "18:00", Strand.STRATEGIC, "Power-mapping the Labour Party and labour movement",
     "Where the points of leverage and influence are, locally and nationally."),
    (2, "10:00", "11:30", Strand.POLITICAL, "Racism and imperialism",
     "The structural nature of modern racism and its relationship to imperialism."),
    (2, "11:45", "13:00", Strand.ORGANISING, "Finding and supporting organic leaders",
     "Spotting the people others already follow, and helping them lead."),
    (2, "14:00", "15:15", Strand.STRATEGIC, "Momentum's strategy and the role of local groups",
     "What the strategy asks of local groups and organisers, and how to deliver it."),
    (2, "15:30", "16:45", Strand.ORGANISING, "Persuading and speaking with confidence",
     "Practice in making the case: one to one, in a meeting, in public."),
    (2, "17:00", "18:00", Strand.REPORT_BACK, "Your local project: planning with your cohort",
     "Each participant sets out their project; the cohort helps sharpen the plan."),
]
# (weeks after the last weekend, or None for TBC, strand, title, description)
# In an edition that is over, the TBC slot was held FREE_SESSION_WEEKS after the last weekend.
FREE_SESSION_WEEKS = 8
ONLINE = [
    (2, Strand.ORGANISING, "Collective care at the heart of organising",
     "Organising that people can sustain: care, conflict and burnout."),
    (4, Strand.REPORT_BACK, "Project report-back: progress and obstacles",
     "Report on your project so far and ask your peers for advice."),
    (6, Strand.POLITICAL, "Imperialism and the labour movement",
     "How British imperialism shapes the labour movement, then and now."),
    (None, Strand.FREE, "Free session",
     "A topic requested or offered by participants after the weekend."),
]
# (starts, ends, strand, title, description), shared by every cohort.
CLOSING = [
    ("10:00", "11:15", Strand.STRATEGIC, "Socialist strategy: party, movement and state",
     "The relationship between the Party, the labour movement and the state."),
    ("11:30", "12:45", Strand.POLITICAL, "Principled anti-imperialism",
     "Siding with the oppressed: imperialism in British politics today."),
    ("13:45", "15:00", Strand.REPORT_BACK, "Project report-back: what we built",
     "Each participant reports on their project: what worked and what is next."),
    ("15:15", "16:30", Strand.ORGANISING, "Leading locally after the programme",
     "Taking what you learnt back to your local group, CLP or workplace."),
    ("16:45", "17:45", Strand.STRATEGIC, "Closing: keeping the cohort as a network",
     "How the cohort keeps supporting each other once the programme ends."),
]
# fmt: on


def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def _link(edition, title):
    slug = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")[:40]
    return f"https://meet.example.org/panitch-{edition.year}-{slug}"


# Sessions missed by each cohort's participants in turn (the rest came; the second was late
# once). Running: those missing three are at risk. Completed: most came to all 19, two per
# cohort missed one, one missed two ("17 of 19") and one missed three (at risk).
RUNNING_MISSED = [0, 0, 2, 3, 1]
COMPLETED_MISSED = [0, 0, 2, 0, 1, 0, 0, 3, 0, 1, 0, 0]


@transaction.atomic
def load() -> None:
    year = timezone.now().year
    completed = _with_cohorts(year - 2)
    if completed:
        recorder = _curriculum(completed, all_dated=True)
        _attendance(completed, recorded_by=recorder, missed=COMPLETED_MISSED)
    running = _with_cohorts(year - 1)
    if running:
        recorder = _curriculum(running)
        _attendance(running, recorded_by=recorder, missed=RUNNING_MISSED)
        _free_requests(running)


def _with_cohorts(year: int) -> Edition | None:
    """The demo edition of `year` if it has cohorts and no schedule yet."""
    edition = Edition.objects.filter(year=year).first()
    if edition is None or not Cohort.objects.filter(edition=edition).exists():
        return None
    if Session.objects.filter(edition=edition).exists():
        return None
    return edition


def _curriculum(edition, *, all_dated: bool = False) -> User | None:
    """The 19 sessions per cohort; the free session to be confirmed unless `all_dated`.
    Returns who takes the registers: a facilitator of the edition, else the admin."""
    admin = User.objects.filter(email="admin@example.org").first()
    add = {"edition": edition, "by": admin}
    for day, starts, ends, strand, title, description in WEEKEND:
        services.curriculum_session_add(
            **add,
            part=Part.WEEKEND,
            day=day,
            starts=_time(starts),
            ends=_time(ends),
            strand=strand,
            title=title,
            description=description,
        )
    last_weekend = max(edition.weekend_a_ends_on, edition.weekend_b_ends_on)
    for weeks, strand, title, description in ONLINE:
        if weeks is None and all_dated:
            weeks = FREE_SESSION_WEEKS
        on = None
        if weeks is not None:
            # A Wednesday evening, weeks after the last weekend.
            on = last_weekend + dt.timedelta(weeks=weeks)
            on += dt.timedelta(days=(2 - on.weekday()) % 7)
        services.curriculum_session_add(
            **add,
            part=Part.ONLINE,
            on=on,
            starts=_time("18:30") if on else None,
            ends=_time("20:30") if on else None,
            strand=strand,
            title=title,
            description=description,
            joining_url=_link(edition, title),
        )
    facilitators = list(User.objects.filter(facilitated_cohorts__edition=edition).distinct())
    for starts, ends, strand, title, description in CLOSING:
        services.curriculum_session_add(
            **add,
            part=Part.CLOSING,
            starts=_time(starts),
            ends=_time(ends),
            strand=strand,
            title=title,
            description=description,
            joining_url=_link(edition, title),
            facilitators=facilitators,
        )
    return facilitators[0] if facilitators else admin


def _attendance(edition, *, recorded_by, missed: list[int]):
    """Everyone's register for the sessions already over: the participants of each cohort in
    turn missed `missed[i]` of them."""
    now = timezone.now()
    entries = []
    for cohort in Cohort.objects.filter(edition=edition):
        past = list(
            Session.objects.for_cohort(cohort).filter(ends_at__lt=now).order_by("starts_at")
        )
        participants = Participant.objects.active().filter(cohort=cohort).order_by("pk")
        for index, participant in enumerate(participants):
            misses = missed[index % len(missed)]
            for number, session in enumerate(past):
                status = AttendanceStatus.PRESENT
                if index % len(missed) == 1 and number == 0:
                    status = AttendanceStatus.LATE
                if past and (number + index) % len(past) < misses:
                    status = AttendanceStatus.APOLOGIES if number % 2 else AttendanceStatus.ABSENT
                entries.append(
                    Attendance(
                        session=session,
                        participant=participant,
                        status=status,
                        recorded_by=recorded_by,
                        recorded_at=session.ends_at,
                    )
                )
    # Straight into the table: the register service refuses nothing here, and the demo
    # should load in a moment rather than one write per entry.
    Attendance.objects.bulk_create(entries, ignore_conflicts=True)


def _free_requests(edition):
    for cohort in Cohort.objects.filter(edition=edition):
        people = list(Participant.objects.active().filter(cohort=cohort).order_by("pk")[:6])
        if len(people) < 6:
            continue
        housing = FreeSessionRequest.objects.create(
            cohort=cohort,
            requested_by=people[1],
            kind=FreeSessionKind.REQUEST,
            topic="Organising renters: tenants' unions and eviction resistance",
            details="How local groups have built tenants' unions, and how to start one.",
        )
        FreeSessionRequest.objects.create(
            cohort=cohort,
            requested_by=people[2],
            kind=FreeSessionKind.OFFER,
            topic="Running a local political education series",
            details="I have run a reading group for two years and can share what worked.",
        )
        FreeSessionSupport.objects.bulk_create(
            FreeSessionSupport(request=housing, participant=p) for p in people[3:6]
        )
