import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone

from panitch.models import Edition, OutboxEmail, User

from .enums import ApplicationStatus
from .models import Application, DecisionRelease, Referee


def open_edition() -> Edition | None:
    return Edition.objects.open_for_applications().first()


def open_application_for(
    *, user: User, only: tuple[str, ...] | None = None
) -> tuple[Edition | None, Application | None]:
    """The edition open for applications and the person's application to it, if any: one
    query when they have one (the form's every page), two when they do not. `only` names the
    application's fields the caller reads, when it reads few (any other loads on access)."""
    now = timezone.now()
    applications = Application.objects.filter(
        applicant=user,
        edition__applications_open_at__lte=now,
        edition__applications_close_at__gt=now,
    ).select_related("edition")
    if only is not None:
        applications = applications.only("edition", "applicant", *only)
    application = applications.first()
    if application is not None:
        return application.edition, application
    return open_edition(), None


def application_for(*, user: User, edition: Edition) -> Application | None:
    application = Application.objects.filter(applicant=user, edition=edition).first()
    if application is not None:
        application.edition = edition  # the caller's own copy: no join needed
    return application


def applications_for_dashboard(*, user: User):
    """The person's own applications, newest edition first, with references counted."""
    released = DecisionRelease.objects.filter(edition=OuterRef("edition"))
    return (
        Application.objects.filter(applicant=user)
        .with_reference_counts()
        .annotate(released=Exists(released))
        .select_related("edition", "edition__release")
        .prefetch_related(
            Prefetch("referees", queryset=Referee.objects.select_related("reference"))
        )
        .order_by("-edition__year")
    )


def referee_for_token(token: str) -> Referee | None:
    """The referee a link belongs to, or None for any token we did not issue."""
    if not token or len(token) > 64:
        return None
    return (
        Referee.objects.filter(token=token)
        .select_related("application__edition", "application__applicant", "reference")
        .first()
    )


def reference_is_needed(referee: Referee) -> bool:
    return referee.replaced_at is None and (
        referee.application.status == ApplicationStatus.SUBMITTED
    )


@dataclass(frozen=True)
class RefereeState:
    """What an applicant may know about one referee: who, and where their request stands —
    never what they wrote."""

    name: str
    email: str
    state: str  # "not asked yet", "asked", "reminded", "answered", "declined", "replaced"
    since: dt.datetime | None


def _reminded_at(referees) -> dict[int, dt.datetime]:
    """When each referee was last reminded, in one query."""
    keys = [
        f"reference_reminder:{referee.pk}:{days}"
        for referee in referees
        for days in settings.REFERENCE_REMINDER_DAYS
    ]
    reminded = {}
    if keys:
        rows = OutboxEmail.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", "created_at"
        )
        for key, created in rows:
            pk = int(key.split(":")[1])
            reminded[pk] = max(created, reminded.get(pk, created))
    return reminded


def _states(referees, reminded) -> list[RefereeState]:
    states = []
    for referee in sorted(referees, key=lambda r: (r.replaced_at is not None, r.position, -r.pk)):
        reference = getattr(referee, "reference", None)
        if referee.replaced_at is not None:
            state, since = "replaced", referee.replaced_at
        elif reference is not None:
            state = "declined" if reference.declined else "answered"
            since = reference.submitted_at
        elif referee.pk in reminded:
            state, since = "reminded", reminded[referee.pk]
        elif referee.requested_at is not None:
            state, since = "asked", referee.requested_at
        else:
            state, since = "not asked yet", None
        states.append(RefereeState(referee.name, referee.email, state, since))
    return states


def referee_states(application: Application | None) -> list[RefereeState]:
    """Every referee the application has named, current ones first (two queries)."""
    if application is None or application.pk is None:
        return []
    referees = list(application.referees.select_related("reference"))
    return _states(referees, _reminded_at(referees))


def with_referee_states(applications: list[Application]) -> list[Application]:
    """Sets `referee_states` on applications fetched by applications_for_dashboard (their
    referees prefetched), with one query for all of them."""
    by_application = {a.pk: list(a.referees.all()) for a in applications}
    reminded = _reminded_at([r for referees in by_application.values() for r in referees])
    for application in applications:
        application.referee_states = _states(by_application[application.pk], reminded)
    return applications
