from django.conf import settings
from django.core.management.base import BaseCommand

from panitch.demo import DEMO_PASSWORD, load_demo_data


class Command(BaseCommand):
    help = "Create the 2021 demo edition and demo accounts (safe to run again)."

    def handle(self, *args, **options):
        logins = load_demo_data()
        self.stdout.write(self.style.SUCCESS(f"Panitch is at {settings.PANITCH_BASE_URL}/"))
        self.stdout.write(f"Staff admin: {settings.PANITCH_BASE_URL}/admin/")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.label:<16} {login.email}")
