from django.db import migrations


def remove_bundled_task(apps, schema_editor):
    """Beat's decision-day task is now three tasks of their own (CELERY_BEAT_SCHEDULE, written
    by beat when it starts); the row of the one that bundled them would keep running it."""
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(
        name="applications: release decisions and manage offers",
        task="applications.tasks.decision_day",
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("panitch", "0005_outbox_claims_message_id_sensitive"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(remove_bundled_task, migrations.RunPython.noop)]
