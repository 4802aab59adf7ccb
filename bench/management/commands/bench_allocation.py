from django.core.management.base import BaseCommand, CommandError

from bench import allocation as bench


class Command(BaseCommand):
    help = (
        "Time the cohort allocation on seeded synthetic editions (40 places into 2 cohorts; "
        "60, 100, 150 and 300 places into cohorts of 20 with spare places; 5,000 places into "
        "250 cohorts of 20) and print each figure beside its goal, with the "
        "solver's status and any proven gap. Touches no database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=3, help="runs per case (%(default)s)")
        parser.add_argument(
            "--time-limit", type=float, default=30.0, help="solver seconds per run (%(default)s)"
        )

    def handle(self, *args, repeat, time_limit, **options):
        if repeat < 1 or time_limit <= 0:
            raise CommandError("--repeat and --time-limit must be positive.")
        bench.run(repeat=repeat, time_limit=time_limit, write=self.stdout.write)
