from django.core.management.base import BaseCommand, CommandError

from bench import roster as bench


class Command(BaseCommand):
    help = (
        "Time a facilitator's roster page for a 20-person cohort (requests/s, ms per request "
        "and its query count), seeding a bench edition and deleting it afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=300, help="timed GETs (300)")
        parser.add_argument("--warmup", type=int, default=20, help="untimed GETs (20)")

    def handle(self, *args, requests, warmup, **options):
        if requests < 1 or warmup < 0:
            raise CommandError("Counts must be positive.")
        try:
            bench.run(requests=requests, warmup=warmup, write=self.stdout.write)
        except bench.BenchError as error:
            raise CommandError(str(error)) from error
