from django.db.models import Exists, OuterRef
from django.utils import timezone

from panitch.models import Edition, User

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
        .select_related("edition")
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
