import os

from django.core.management.base import BaseCommand, CommandError

from bench import release as bench_release


class Command(BaseCommand):
    help = (
        "Decision day, timed: seed N submitted, decided applications into an edition of the "
        "bench's own (PostgreSQL only), release them with one Celery worker sending to a local "
        "SMTP server, count duplicates and missing emails, compare with a plain smtplib loop, "
        "print the figures and delete everything seeded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--applications",
            type=int,
            default=bench_release.DEFAULT_APPLICATIONS,
            help="submitted, decided applications to release (%(default)s)",
        )
        parser.add_argument(
            "--database-url",
            default=os.environ.get("DATABASE_URL"),
            help="PostgreSQL to run on (default: DATABASE_URL), e.g. "
            + bench_release.SUGGESTED_DATABASE_URL,
        )
        parser.add_argument(
            "--broker-url",
            default=None,
            help="Redis broker for the worker (default: CELERY_BROKER_URL, else "
            f"{bench_release.DEFAULT_BROKER})",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=bench_release.DEFAULT_TIMEOUT,
            help=f"seconds to wait for every email ({bench_release.DEFAULT_TIMEOUT:.0f})",
        )
        parser.add_argument(
            "--concurrency",
            type=int,
            default=bench_release.DEFAULT_CONCURRENCY,
            help="the worker's prefork child processes, as in the Procfile (%(default)s)",
        )
        parser.add_argument(
            "--outage-applications",
            type=int,
            default=bench_release.OUTAGE_APPLICATIONS,
            help="applications for the outage figure, 0 to skip it (%(default)s)",
        )
        parser.add_argument(
            "--outage-scale",
            type=float,
            default=bench_release.OUTAGE_TIME_SCALE,
            help="the outage figure's time scale: 1 runs the real ten minutes (%(default)s)",
        )
        parser.add_argument("--keep", action="store_true", help="don't delete what was seeded")

    def handle(
        self,
        *args,
        applications,
        database_url,
        broker_url,
        timeout,
        concurrency,
        keep,
        outage_applications,
        outage_scale,
        **options,
    ):
        write = self.stdout.write
        try:
            broker_url = broker_url or bench_release.default_broker_url()
            env = bench_release.rerun_needed(database_url=database_url, broker_url=broker_url)
            if env:
                argv = [
                    f"--applications={applications}",
                    f"--timeout={timeout}",
                    f"--concurrency={concurrency}",
                    f"--outage-applications={outage_applications}",
                    f"--outage-scale={outage_scale}",
                ]
                bench_release.rerun(env=env, argv=argv + ["--keep"] * keep, write=write)
                return
            bench_release.run(
                applications=applications,
                keep=keep,
                timeout=timeout,
                concurrency=concurrency,
                write=write,
                outage_applications=outage_applications,
                outage_scale=outage_scale,
            )
        except bench_release.BenchError as error:
            raise CommandError(str(error)) from error
