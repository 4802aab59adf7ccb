import argparse
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cohorts.allocation import OBJECTIVE, AllocationInputError, allocate
from cohorts.allocation.csvfiles import read_cohorts, read_places

DESCRIPTION = f"""\
Allocate places to cohorts from CSV files, for planning and checking. Touches no database.

places CSV: id,weekend,region,postcode and one journey:<City> column per venue city
  (under-1h, 1h-2.5h, over-2.5h; blank = estimate from postcode). weekend: a, b or either.
  Optional: pin (a cohort id the person must stay in), experienced and accommodation
  (yes/no, balanced across cohorts).
cohorts CSV: id,weekend,venue_city,capacity (weekend a or b, capacity at least 1).

What is optimised, exactly:
{OBJECTIVE}

--json prints {{"status", "objective" (the journey burden), "imbalance", "gap",
"assignments" {{place id: cohort id}}, "explanation" {{place id: text}}, "problems"}}.
Exit status 1 when no allocation fits (the problems say why), 2 for bad input."""


class Command(BaseCommand):
    help = DESCRIPTION

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--places", required=True, type=Path, help="places CSV file")
        parser.add_argument("--cohorts", required=True, type=Path, help="cohorts CSV file")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print JSON, not a table"
        )
        parser.add_argument(
            "--time-limit", type=float, default=30.0, help="solver seconds (%(default)s)"
        )

    def handle(self, *args, places, cohorts, as_json, time_limit, **options):
        try:
            cohort_specs = read_cohorts(_read(cohorts), name=cohorts.name)
            place_list, pins = read_places(
                _read(places), cohort_ids={c.id for c in cohort_specs}, name=places.name
            )
            result = allocate(
                places=place_list, cohorts=cohort_specs, pins=pins, time_limit=time_limit
            )
        except AllocationInputError as error:
            raise CommandError(str(error), returncode=2) from error
        if as_json:
            self.stdout.write(_json(result.as_json()))
        else:
            self.stdout.write(_table(result, cohort_specs))
        if result.status == "infeasible":
            raise CommandError("No allocation fits: " + "; ".join(result.problems), returncode=1)


def _json(data):
    return json.dumps(data, indent=2, ensure_ascii=False)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise AllocationInputError(f"{path}: no such file.") from error
    except UnicodeDecodeError as error:
        raise AllocationInputError(f"{path}: not UTF-8 text.") from error
    except OSError as error:
        raise AllocationInputError(f"{path}: {error.strerror}.") from error


def _table(result, cohorts) -> str:
    lines = [f"Status: {result.status}"]
    if result.status == "infeasible":
        lines += [f"  - {problem}" for problem in result.problems]
        return "\n".join(lines)
    if result.gap:
        lines[0] += f" (proven gap {result.gap:.2%})"
    lines.append(f"Journey burden: {result.objective:g}; imbalance: {result.imbalance:.3f}")
    for cohort in sorted(cohorts, key=lambda c: c.id):
        members = sorted(p for p, c in result.assignments.items() if c == cohort.id)
        lines.append("")
        lines.append(
            f"{cohort.id} — {cohort.venue_city}, weekend {cohort.weekend.upper()}: "
            f"{len(members)} of {cohort.capacity}"
        )
        width = max((len(p) for p in members), default=0)
        for place_id in members:
            lines.append(
                f"  {place_id:<{width}}  burden {result.burden[place_id]}  "
                f"{result.explanations[place_id]}"
            )
    return "\n".join(lines)
