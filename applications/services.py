"""Every change to an application, its referees and their references."""

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from panitch import outbox
from panitch.models import Edition, OutboxEmail, User

from . import privacy
from .enums import ApplicationStatus
from .models import Application, EqualityMonitoring, Referee, Reference
from .steps import BY_SLUG, REQUIRED_SLUGS

CLOSED_MESSAGE = "Applications for {edition} closed at {time}."


def _ensure_open(edition: Edition, *, at: dt.datetime) -> None:
    if not edition.is_open_for_applications(at=at):
        closes = timezone.localtime(edition.applications_close_at)
        raise ValidationError(
            CLOSED_MESSAGE.format(edition=edition, time=f"{closes:%H:%M on %-d %B %Y}")
        )


def _locked_application(*, edition: Edition, user: User) -> Application | None:
    return (
        Application.objects.select_for_update()
        .filter(edition=edition, applicant=user)
        .select_related("edition")
        .first()
    )


@transaction.atomic
def application_save_step(*, edition: Edition, user: User, slug: str, form) -> Application:
    """Save one valid step, creating the draft on the first. Submitted applications stay
    submitted: changes go live, and a replaced referee is asked straight away."""
    now = timezone.now()
    _ensure_open(edition, at=now)
    application = _locked_application(edition=edition, user=user)
    if application is None:
        try:
            with transaction.atomic():
                application = Application.objects.create(edition=edition, applicant=user)
        except IntegrityError:  # the same person saved twice at once
            application = _locked_application(edition=edition, user=user)
    if application.status == ApplicationStatus.WITHDRAWN:
        raise ValidationError("This application was withdrawn and can no longer be changed.")

    if slug == "referees":
        _set_referees(application=application, referees=form.cleaned_data, at=now)
    elif slug == "equality":
        EqualityMonitoring.objects.update_or_create(
            edition=edition, person=user, defaults=form.cleaned_data
        )
    else:
        form.save_to(application)
    if slug == "consent":
        application.privacy_notice_version = privacy.APPLICANT_NOTICE_VERSION
        application.consented_at = now
        application.save(update_fields=["privacy_notice_version", "consented_at"])

    if slug not in application.completed_steps:
        application.completed_steps = [*application.completed_steps, slug]
        application.save(update_fields=["completed_steps", "updated_at"])
    return application


def _set_referees(*, application: Application, referees: list[dict], at: dt.datetime) -> None:
    """Update the referees, matching people by email (case-insensitively), not by position.

    Someone who stays keeps their link and any reference they gave; someone new replaces whoever
    is gone, and is asked straight away if the application is already submitted.
    """
    current = list(application.referees.filter(replaced_at__isnull=True))
    by_email = {referee.email.lower(): referee for referee in current}
    kept, newcomers = set(), []
    for data in referees:
        referee = by_email.get(data["email"].lower())
        if referee is None:
            newcomers.append(data)
            continue
        kept.add(referee.pk)
        for field, value in data.items():
            setattr(referee, field, value)
        referee.save(update_fields=list(data))
    for referee in current:
        if referee.pk not in kept:
            # A different person now: the old link stops working at once.
            referee.replaced_at = at
            referee.save(update_fields=["replaced_at"])
    taken = {referee.position for referee in current if referee.pk in kept}
    free = [position for position in (1, 2) if position not in taken]
    for position, data in zip(free, newcomers, strict=True):
        new = Referee.objects.create(
            application=application, position=position, token=secrets.token_urlsafe(32), **data
        )
        if application.status == ApplicationStatus.SUBMITTED:
            reference_request(referee=new)


def missing_steps(application: Application) -> list[str]:
    return [slug for slug in REQUIRED_SLUGS if slug not in application.completed_steps]


@transaction.atomic
def application_submit(*, application: Application, by: User) -> Application:
    """Draft → submitted. Sends the confirmation and both reference requests, once."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status == ApplicationStatus.SUBMITTED:
        return application  # a second click on "Submit" changes nothing
    if application.status != ApplicationStatus.DRAFT or application.applicant_id != by.pk:
        raise ValidationError("This application cannot be submitted.")
    _ensure_open(application.edition, at=timezone.now())
    missing = missing_steps(application)
    if missing:
        titles = ", ".join(BY_SLUG[slug].title for slug in missing)
        raise ValidationError(f"Please complete these parts first: {titles}.")
    if not application.consent_special_category:
        raise ValidationError("Please give your consent on the privacy step first.")

    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = timezone.now()
    application.save(update_fields=["status", "submitted_at", "updated_at"])
    outbox.queue(
        kind="application_received",
        to=by.email,
        key=f"application_received:{application.pk}",
        template="application_received",
        context={
            "application": application,
            "edition": application.edition,
            "name": by.first_name or by.email,
            "referees": application.active_referees,
            "dashboard_url": settings.PANITCH_BASE_URL + reverse("applications:dashboard"),
        },
    )
    for referee in application.active_referees:
        reference_request(referee=referee)
    return application


@transaction.atomic
def application_withdraw(*, application: Application, by: User) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.applicant_id != by.pk:
        raise ValidationError("Only the applicant can withdraw an application.")
    if application.status == ApplicationStatus.WITHDRAWN:
        return application
    if application.decision_frozen:
        raise ValidationError(
            "Decisions have been released: to turn down a place, decline the offer instead."
        )
    application.status = ApplicationStatus.WITHDRAWN
    application.withdrawn_at = timezone.now()
    application.save(update_fields=["status", "withdrawn_at", "updated_at"])
    return application


def reference_link(referee: Referee) -> str:
    return settings.PANITCH_BASE_URL + reverse("applications:reference", args=[referee.token])


def _referee_context(referee: Referee) -> dict:
    application = referee.application
    return {
        "referee": referee,
        "applicant_name": application.applicant.get_full_name() or application.applicant.email,
        "edition": application.edition,
        "deadline": application.edition.reference_deadline,
        "link": reference_link(referee),
        "privacy_url": settings.PANITCH_BASE_URL + reverse("applications:referee_privacy"),
    }


def reference_request(*, referee: Referee) -> None:
    """Ask a referee for a reference, once per referee."""
    if referee.requested_at is None:
        referee.requested_at = timezone.now()
        referee.save(update_fields=["requested_at"])
    outbox.queue(
        kind="reference_request",
        to=referee.email,
        key=f"reference_request:{referee.pk}",
        template="reference_request",
        context=_referee_context(referee),
    )


def referee_is_answerable(referee: Referee, *, at: dt.datetime) -> bool:
    return at < referee.application.edition.reference_deadline


@transaction.atomic
def reference_submit(*, referee: Referee, form=None, declined: bool = False) -> Reference:
    """Record a referee's answer, or their decision not to give one. One per link."""
    referee = (
        Referee.objects.select_for_update()
        .select_related("application__edition")
        .get(pk=referee.pk)
    )
    if Reference.objects.filter(referee=referee).exists():
        raise ValidationError("This reference has already been given.")
    if referee.replaced_at or referee.application.status != ApplicationStatus.SUBMITTED:
        raise ValidationError("This reference is no longer needed.")
    if not referee_is_answerable(referee, at=timezone.now()):
        raise ValidationError("The deadline for this reference has passed.")
    if declined:
        return Reference.objects.create(referee=referee, declined=True)
    return Reference.objects.create(referee=referee, **form.cleaned_data)


def send_reference_reminders(*, at: dt.datetime | None = None) -> int:
    """Remind referees who have not answered, at each configured point before the deadline.

    Each reminder has its own outbox key, so it goes out once however often this runs. A
    referee asked after a reminder point does not get that reminder.
    """
    at = at or timezone.now()
    sent = 0
    referees = (
        Referee.objects.filter(
            replaced_at__isnull=True,
            requested_at__isnull=False,
            reference__isnull=True,
            application__status=ApplicationStatus.SUBMITTED,
            application__edition__reference_deadline__gt=at,
        )
        .select_related("application__edition", "application__applicant")
        .order_by("pk")
    )
    for referee in referees.iterator():
        deadline = referee.application.edition.reference_deadline
        due = [
            days
            for days in settings.REFERENCE_REMINDER_DAYS
            if deadline - dt.timedelta(days=days) <= at
            and referee.requested_at < deadline - dt.timedelta(days=days)
        ]
        if not due:
            continue
        days = min(due)
        key = f"reference_reminder:{referee.pk}:{days}"
        if OutboxEmail.objects.filter(idempotency_key=key).exists():
            continue
        with transaction.atomic():
            outbox.queue(
                kind="reference_reminder",
                to=referee.email,
                key=key,
                template="reference_reminder",
                context={**_referee_context(referee), "days_left": days},
            )
        sent += 1
    return sent
