from celery import shared_task

from . import outbox


@shared_task(bind=True)
def outbox_send(self, *, email_ids: list[int]) -> None:
    """Deliver outbox rows; safe to run twice (only due, pending rows are claimed and sent).
    Rows that failed transiently get a task for their next attempt, on the queue this one
    came from, or wait for the sweep."""
    retry_ids = outbox.deliver(email_ids=email_ids)
    queue = (self.request.delivery_info or {}).get("routing_key")
    outbox.schedule_retries(email_ids=retry_ids, queue=queue)


@shared_task
def outbox_sweep() -> int:
    """Beat, every minute, on the outbox-sweep queue (CELERY_TASK_ROUTES)."""
    return outbox.sweep()
