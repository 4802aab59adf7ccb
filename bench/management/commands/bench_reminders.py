from django.core.management.base import BaseCommand, CommandError

from bench import reminders


class Command(BaseCommand):
    help = (
        "Seed an edition of 50 cohorts x 19 sessions at 500 and 1,000 participants, time "
        "beat's reminder sweep (time and queries to find and queue what is due), time a "
        "participant's calendar feed against the signed-in home page, print the figures beside "
        "their goals and delete everything seeded."
    )

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=300, help="per page (300)")
        parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds (10)")

    def handle(self, *args, requests, rounds, **options):
        if requests < 1 or rounds < 1:
            raise CommandError("Counts must be positive.")
        try:
            reminders.run(requests=requests, rounds=rounds, write=self.stdout.write)
        except reminders.BenchError as error:
            raise CommandError(str(error)) from error
