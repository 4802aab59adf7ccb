from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from panitch.celery import app as celery_app


def test_beat_writes_the_schedule_once_however_often_it_starts(transactional_db):
    DatabaseScheduler(app=celery_app)
    DatabaseScheduler(app=celery_app)

    tasks = dict(
        PeriodicTask.objects.exclude(name="celery.backend_cleanup").values_list("name", "task")
    )
    assert tasks == {
        "outbox: send pending and stuck emails": "panitch.tasks.outbox_sweep",
        "applications: release decisions that are due": "applications.tasks.release_due",
        "applications: lapse expired offers": "applications.tasks.offers_lapse",
        "applications: remind people of open offers": "applications.tasks.offer_reminders",
        "applications: remind referees": "applications.tasks.remind_referees",
        "applications: remind people with a draft": "applications.tasks.remind_drafts",
        "sessions: send session reminders": "sessions.tasks.session_reminders",
    }
    assert (
        PeriodicTask.objects.get(name="outbox: send pending and stuck emails").interval.every == 60
    )
