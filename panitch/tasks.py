from celery import shared_task

from . import outbox


@shared_task
def outbox_send(*, email_ids: list[int]) -> None:
    """Deliver outbox rows; safe to run twice (only due, pending rows are claimed and sent).
    Rows that failed transiently get a task for their next attempt, or wait for the sweep."""
    retry_ids = outbox.deliver(email_ids=email_ids)
    outbox.schedule_retries(email_ids=retry_ids)


@shared_task
def outbox_sweep() -> int:
    """Beat, every minute, on the outbox-sweep queue (CELERY_TASK_ROUTES)."""
    return outbox.sweep()
