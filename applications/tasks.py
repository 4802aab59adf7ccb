from celery import shared_task

from panitch.models import Edition, User

from . import decisions, services


@shared_task
def remind_referees() -> int:
    """Periodic: queue the reference reminders that are due (each goes out once)."""
    return services.send_reference_reminders()


@shared_task
def decision_day() -> None:
    """Periodic: release decisions that are due (or warn what blocks them), lapse expired
    offers and send offer reminders. Every step is safe to repeat."""
    decisions.release_due()
    decisions.offers_lapse()
    decisions.offer_reminders()


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
