from celery import shared_task

from . import reminders


@shared_task
def session_reminders() -> int:
    """Periodic: queue the session reminders that are due (each goes out once)."""
    return reminders.reminders_send_due()
