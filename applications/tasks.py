from celery import shared_task

from . import services


@shared_task
def remind_referees() -> int:
    """Periodic: queue the reference reminders that are due (each goes out once)."""
    return services.send_reference_reminders()
