from django.core.management.base import BaseCommand, CommandError

from bench import staff_pages


class Command(BaseCommand):
    help = (
        "Staff pages at scale: seed N submitted applications (two referees each) into an "
        "edition of the bench's own (PostgreSQL only), time the admin's application list "
        "(unfiltered, by edition, searched by name) and the selection dashboard as a programme "
        "admin, print each median beside its goal, and delete everything seeded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--applications",
            type=int,
            default=staff_pages.DEFAULT_APPLICATIONS,
            help="submitted applications (%(default)s)",
        )
        parser.add_argument(
            "--requests",
            type=int,
            default=staff_pages.DEFAULT_REQUESTS,
            help="timed requests per page (%(default)s)",
        )
        parser.add_argument("--keep", action="store_true", help="don't delete what was seeded")

    def handle(self, *args, applications, requests, keep, **options):
        if applications < 1 or requests < 1:
            raise CommandError("Counts must be positive.")
        try:
            staff_pages.run(
                applications=applications, requests=requests, keep=keep, write=self.stdout.write
            )
        except staff_pages.BenchError as error:
            raise CommandError(str(error)) from error
