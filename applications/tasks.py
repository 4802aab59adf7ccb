"""Periodic and queued work of the applications app. Beat runs each periodic job as a task of
its own (see CELERY_BEAT_SCHEDULE), so an exception in one never stops the others; each is safe
to run twice and from two beats at once."""

import logging

from celery import shared_task

from panitch.models import Edition, User

from . import decisions, services

logger = logging.getLogger(__name__)


@shared_task
def remind_referees() -> int:
    """Periodic: queue the reference reminders that are due (each goes out once)."""
    return services.send_reference_reminders()


@shared_task
def release_due() -> int:
    """Periodic: release every edition whose moment has come (or warn what blocks it)."""
    return len(decisions.release_due())


@shared_task
def offers_lapse() -> int:
    """Periodic: offers past their deadline lapse."""
    return decisions.offers_lapse()


@shared_task
def offer_reminders() -> int:
    """Periodic: remind people with an open offer, once per reminder point."""
    return decisions.offer_reminders()


@shared_task
def decision_day() -> None:
    """All three decision-day jobs in one go (kept for callers and a schedule written by an
    earlier version); each runs even if another fails, and the first failure is raised."""
    errors = []
    for job in (decisions.release_due, decisions.offers_lapse, decisions.offer_reminders):
        try:
            job()
        except Exception as error:  # noqa: BLE001 - raised below, after the other jobs ran
            logger.exception("%s failed", job.__name__)
            errors.append(error)
    if errors:
        raise errors[0]


@shared_task
def release_decisions(*, edition_id: int, by_id: int | None = None) -> None:
    """A programme admin's early release, run by a worker."""
    edition = Edition.objects.filter(pk=edition_id).first()
    if edition is None:
        return
    by = User.objects.filter(pk=by_id).first() if by_id else None
    try:
        decisions.decisions_release(edition=edition, by=by)
    except decisions.ReleaseBlocked:
        return  # the admin page shows what is missing; beat retries at release time


@shared_task
def remind_drafts() -> int:
    """Periodic: queue the reminders to people with an unsubmitted draft (each goes out once)."""
    return services.send_draft_reminders()
