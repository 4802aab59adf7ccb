from django.apps import AppConfig


class PanitchConfig(AppConfig):
    name = "panitch"
    verbose_name = "Panitch"
