from django.core.management.base import BaseCommand, CommandError

from bench import form as bench


class Command(BaseCommand):
    help = (
        "Seed applications into the configured database, time the application form's step "
        "pages against a bare page rendering the same form, print the figures, and delete "
        "everything seeded. Use a development database or a copy: while it runs, an edition "
        "is open for applications."
    )

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, default=2000, help="seeded (2000)")
        parser.add_argument("--requests", type=int, default=300, help="per page per step (300)")
        parser.add_argument("--warmup", type=int, default=20, help="untimed per page (20)")
        parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds (10)")
        parser.add_argument("--step", action="append", dest="steps", help="only this step")
        parser.add_argument(
            "--profile", metavar="STEP", help="cProfile the real page of STEP instead"
        )

    def handle(self, *args, applications, requests, warmup, rounds, steps, profile, **options):
        if applications < 0 or requests < 1 or warmup < 0 or rounds < 1:
            raise CommandError("Counts must be positive.")
        try:
            bench.run(
                applications=applications,
                requests=requests,
                warmup=warmup,
                rounds=rounds,
                steps=steps,
                profile=profile,
                write=self.stdout.write,
            )
        except bench.BenchError as error:
            raise CommandError(str(error)) from error
