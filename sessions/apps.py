from django.apps import AppConfig


class ScheduleConfig(AppConfig):
    # "sessions" is django.contrib.sessions' label; ours must differ and never change.
    name = "sessions"
    label = "schedule"
    verbose_name = "Schedule"
