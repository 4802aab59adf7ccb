from celery import shared_task
from django.utils import timezone

from . import outbox
from .models import OutboxEmail


@shared_task(bind=True, max_retries=None)
def outbox_send(self, *, email_ids: list[int]) -> None:
    """Deliver outbox rows; safe to run twice (rows already sent are skipped)."""
    retry_ids = outbox.deliver(email_ids=email_ids)
    if retry_ids:
        next_at = min(
            OutboxEmail.objects.filter(pk__in=retry_ids).values_list("next_attempt_at", flat=True)
        )
        countdown = max((next_at - timezone.now()).total_seconds(), 0)
        raise self.retry(kwargs={"email_ids": retry_ids}, countdown=countdown)


@shared_task
def outbox_sweep() -> int:
    return outbox.sweep()
