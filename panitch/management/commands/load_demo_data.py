from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand

from panitch.demo import DEMO_PASSWORD, load_demo_data


class Command(BaseCommand):
    help = "Create the demo editions, accounts and applications (safe to run again)."

    def handle(self, *args, **options):
        logins = load_demo_data()
        # Apps further along add their own demo data through an AppConfig hook.
        for config in apps.get_app_configs():
            if hasattr(config, "load_demo_data"):
                config.load_demo_data()
        self.stdout.write(self.style.SUCCESS(f"Panitch is at {settings.PANITCH_BASE_URL}/"))
        self.stdout.write(f"Staff admin: {settings.PANITCH_BASE_URL}/admin/")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.label:<16} {login.email}")
