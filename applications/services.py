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
def application_save_step(
    *, edition: Edition, user: User, slug: str, form, complete: bool = True
) -> Application:
    """Save one step, creating the draft on the first. Submitted applications stay submitted:
    changes go live, and a replaced referee is asked straight away.

    `complete=False` is "Save and come back later" on a draft: whatever valid answers are there
    are kept, and the step does not count as done until it is saved complete. The referees a
    change has just asked are on the returned application's `asked_referees`.
    """
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
    if not complete and application.status != ApplicationStatus.DRAFT:
        complete = True  # a submitted application's answers are live: never half-saved

    application.asked_referees = []
    if slug == "referees":
        if complete:
            application.asked_referees = _set_referees(
                application=application, referees=form.cleaned_data, at=now
            )
        else:
            _set_draft_referees(application=application, referees=form.cleaned_data)
    elif slug == "equality":
        EqualityMonitoring.objects.update_or_create(
            edition=edition, person=user, defaults=form.cleaned_data
        )
    else:
        form.save_to(application)
    if slug == "consent" and complete:
        application.privacy_notice_version = privacy.APPLICANT_NOTICE_VERSION
        application.consented_at = now
        application.save(update_fields=["privacy_notice_version", "consented_at"])

    done = slug in application.completed_steps
    if complete and not done:
        application.completed_steps = [*application.completed_steps, slug]
        application.save(update_fields=["completed_steps", "updated_at"])
    elif not complete and done:
        # Saved half-finished: it needs finishing again before it can be submitted.
        application.completed_steps = [s for s in application.completed_steps if s != slug]
        application.save(update_fields=["completed_steps", "updated_at"])
    return application


def _set_draft_referees(*, application: Application, referees: list[dict]) -> None:
    """A draft's referees as typed, by position: nobody has been asked yet, so nothing else
    depends on them. A referee left wholly blank is removed."""
    current = {r.position: r for r in application.referees.filter(replaced_at__isnull=True)}
    for position, data in zip((1, 2), referees, strict=True):
        referee = current.get(position)
        if not any(data.values()):
            if referee is not None and referee.requested_at is None:
                referee.delete()
            continue
        if referee is None:
            Referee.objects.create(
                application=application,
                position=position,
                token=secrets.token_urlsafe(32),
                **data,
            )
        else:
            for field, value in data.items():
                setattr(referee, field, value)
            referee.save(update_fields=list(data))


class RefereeChangeRefused(ValidationError):
    """A referee change that would send a reference request we will not send.

    `position` says which referee's email field the message belongs beside.
    """

    def __init__(self, message: str, *, position: int):
        super().__init__(message)
        self.position = position


def _check_new_referee(
    *, application: Application, email: str, position: int, at: dt.datetime, also: int
) -> None:
    """Limits on naming someone new after submission: each one emails a stranger at once."""
    contact = application.edition.contact_email
    if application.reference_requests_stopped:
        raise RefereeChangeRefused(
            f"Referee changes on this application are paused. Please write to {contact}.",
            position=position,
        )
    earlier = application.referees.filter(email__iexact=email, requested_at__isnull=False)
    if earlier.exists():
        raise RefereeChangeRefused(
            "We have already asked this person for a reference for this application, and we "
            "ask each person only once. Please name someone else.",
            position=position,
        )
    replaced = application.referees.filter(replaced_at__gte=application.submitted_at)
    if replaced.count() + also >= settings.REFEREE_REPLACEMENTS_MAX:
        raise RefereeChangeRefused(
            f"You have already changed your referees {settings.REFEREE_REPLACEMENTS_MAX} "
            "times since submitting, which is as many as we allow. If you need another "
            f"change, please write to {contact}.",
            position=position,
        )
    recent = Referee.objects.filter(
        application__applicant_id=application.applicant_id,
        replaced_at__gte=at - dt.timedelta(days=1),
    ).exclude(application__submitted_at__isnull=True)
    if recent.count() + also >= settings.REFEREE_REPLACEMENTS_PER_DAY:
        raise RefereeChangeRefused(
            "You have changed your referees several times today. Please try again tomorrow.",
            position=position,
        )


def _set_referees(
    *, application: Application, referees: list[dict], at: dt.datetime
) -> list[Referee]:
    """Update the referees, matching people by email (case-insensitively), not by position.

    Someone who stays keeps their link and any reference they gave; someone new replaces whoever
    is gone, and is asked straight away if the application is already submitted (within the
    limits of _check_new_referee). Returns the referees asked now.
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
    taken = {referee.position for referee in current if referee.pk in kept}
    free = [position for position in (1, 2) if position not in taken]
    submitted = application.status == ApplicationStatus.SUBMITTED
    if submitted:
        # `also`: the newcomers before this one in the same change count towards the limits.
        for also, (position, data) in enumerate(zip(free, newcomers, strict=True)):
            _check_new_referee(
                application=application,
                email=data["email"],
                position=position,
                at=at,
                also=also,
            )
    for referee in current:
        if referee.pk not in kept:
            # A different person now: the old link stops working at once.
            referee.replaced_at = at
            referee.save(update_fields=["replaced_at"])
    asked = []
    for position, data in zip(free, newcomers, strict=True):
        new = Referee.objects.create(
            application=application, position=position, token=secrets.token_urlsafe(32), **data
        )
        if submitted:
            reference_request(referee=new)
            asked.append(new)
    return asked


@transaction.atomic
def application_stop_reference_requests(*, application: Application, stop: bool = True) -> None:
    """Staff: stop (or allow again) any further reference request for this application."""
    Application.objects.filter(pk=application.pk).update(reference_requests_stopped=stop)
    application.reference_requests_stopped = stop


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
    """Ask a referee for a reference, once per referee, unless staff stopped requests."""
    if referee.application.reference_requests_stopped:
        return
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
        reference = Reference.objects.create(referee=referee, declined=True)
        _tell_applicant_referee_declined(referee=referee)
        return reference
    return Reference.objects.create(referee=referee, **form.cleaned_data)


def _tell_applicant_referee_declined(*, referee: Referee) -> None:
    application = referee.application
    applicant = application.applicant
    edition = application.edition
    outbox.queue(
        kind="referee_declined",
        to=applicant.email,
        key=f"referee_declined:{referee.pk}",
        template="referee_declined",
        context={
            "name": applicant.first_name or applicant.email,
            "referee_name": referee.name,
            "edition": edition,
            "can_change": edition.is_open_for_applications(),
            "referees_url": settings.PANITCH_BASE_URL
            + reverse("applications:step", args=["referees"]),
            "dashboard_url": settings.PANITCH_BASE_URL + reverse("applications:dashboard"),
        },
    )


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


def send_draft_reminders(*, at: dt.datetime | None = None) -> int:
    """Remind people whose application is still a draft, at each configured point before
    applications close. Each reminder has its own outbox key, so it goes out once however
    often this runs; a draft started after a reminder point does not get that reminder."""
    at = at or timezone.now()
    sent = 0
    drafts = (
        Application.objects.filter(
            status=ApplicationStatus.DRAFT,
            edition__applications_open_at__lte=at,
            edition__applications_close_at__gt=at,
        )
        .select_related("edition", "applicant")
        .order_by("pk")
    )
    for application in drafts.iterator():
        closes = application.edition.applications_close_at
        due = [
            days
            for days in settings.DRAFT_REMINDER_DAYS
            if closes - dt.timedelta(days=days) <= at
            and application.created_at < closes - dt.timedelta(days=days)
        ]
        if not due:
            continue
        days = min(due)
        key = f"draft_reminder:{application.pk}:{days}"
        if OutboxEmail.objects.filter(idempotency_key=key).exists():
            continue
        applicant = application.applicant
        with transaction.atomic():
            outbox.queue(
                kind="draft_reminder",
                to=applicant.email,
                key=key,
                template="draft_reminder",
                context={
                    "name": applicant.first_name or applicant.email,
                    "edition": application.edition,
                    "closes": closes,
                    "days_left": days,
                    "steps_left": len(missing_steps(application)),
                    "apply_url": settings.PANITCH_BASE_URL + reverse("applications:apply"),
                },
            )
        sent += 1
    return sent
