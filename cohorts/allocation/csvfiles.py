"""Reading the allocation's inputs from CSV (for `manage.py allocate`), with every mistake
reported by file, row and column."""

from __future__ import annotations

import csv
import io

from applications.enums import Region

from .inputs import AllocationInputError, CohortSpec, Place
from .journeys import BANDS

PLACE_COLUMNS = ("id", "weekend", "region", "postcode")
COHORT_COLUMNS = ("id", "weekend", "venue_city", "capacity")
JOURNEY_PREFIX = "journey:"
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


def _rows(text: str, *, name: str, required: tuple[str, ...]):
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [column.strip() for column in (reader.fieldnames or [])]
    if not header:
        raise AllocationInputError(f"{name} is empty: expected a header row.")
    missing = [column for column in required if column not in header]
    if missing:
        raise AllocationInputError(
            f"{name} has no {', '.join(missing)} column{'s' if len(missing) > 1 else ''} "
            f"(expected {', '.join(required)})."
        )
    reader.fieldnames = header
    for number, row in enumerate(reader, start=2):
        if None in row:
            raise AllocationInputError(f"{name}, row {number}: more cells than columns.")
        yield number, {key: (value or "").strip() for key, value in row.items()}


def _flag(value: str, *, where: str, column: str) -> bool:
    if value.lower() in YES:
        return True
    if value.lower() in NO:
        return False
    raise AllocationInputError(f"{where}: {column} must be yes or no, not {value!r}.")


def read_cohorts(text: str, *, name: str = "cohorts CSV") -> list[CohortSpec]:
    cohorts, seen = [], {}
    for number, row in _rows(text, name=name, required=COHORT_COLUMNS):
        where = f"{name}, row {number}"
        cohort_id = row["id"]
        if not cohort_id:
            raise AllocationInputError(f"{where}: the id is blank.")
        where += f" ({cohort_id})"
        if cohort_id in seen:
            raise AllocationInputError(f"{where}: id {cohort_id} is also on row {seen[cohort_id]}.")
        seen[cohort_id] = number
        weekend = row["weekend"].lower()
        if weekend not in ("a", "b"):
            raise AllocationInputError(f"{where}: weekend must be a or b, not {row['weekend']!r}.")
        if not row["venue_city"]:
            raise AllocationInputError(f"{where}: the venue city is blank.")
        try:
            capacity = int(row["capacity"])
        except ValueError:
            capacity = None
        if capacity is None or capacity < 1:
            raise AllocationInputError(
                f"{where}: capacity must be a whole number of at least 1, not {row['capacity']!r}."
            )
        cohorts.append(
            CohortSpec(
                id=cohort_id, weekend=weekend, venue_city=row["venue_city"], capacity=capacity
            )
        )
    if not cohorts:
        raise AllocationInputError(f"{name} has no cohorts.")
    return cohorts


def read_places(
    text: str, *, cohort_ids: set[str], name: str = "places CSV"
) -> tuple[list[Place], dict[str, str]]:
    """Places and pins (an optional `pin` column holding a cohort id)."""
    places, pins, seen = [], {}, {}
    regions = {region.value for region in Region}
    for number, row in _rows(text, name=name, required=PLACE_COLUMNS):
        where = f"{name}, row {number}"
        place_id = row["id"]
        if not place_id:
            raise AllocationInputError(f"{where}: the id is blank.")
        where += f" ({place_id})"
        if place_id in seen:
            raise AllocationInputError(f"{where}: id {place_id} is also on row {seen[place_id]}.")
        seen[place_id] = number
        weekend = row["weekend"].lower()
        if weekend not in ("a", "b", "either"):
            raise AllocationInputError(
                f"{where}: weekend must be a, b or either, not {row['weekend']!r}."
            )
        if row["region"] and row["region"] not in regions:
            raise AllocationInputError(
                f"{where}: {row['region']!r} is not a region (expected one of "
                f"{', '.join(sorted(regions))}, or blank)."
            )
        bands = {}
        for column, value in row.items():
            if column.lower().startswith(JOURNEY_PREFIX):
                city = column[len(JOURNEY_PREFIX) :].strip()
                if value and value not in BANDS:
                    raise AllocationInputError(
                        f"{where}: {column} must be {', '.join(BANDS)} or blank, not {value!r}."
                    )
                if value:
                    bands[city] = value
        pin = row.get("pin", "")
        if pin:
            if pin not in cohort_ids:
                raise AllocationInputError(f"{where}: pin {pin!r} is not a cohort id.")
            pins[place_id] = pin
        places.append(
            Place(
                id=place_id,
                weekend=weekend,
                region=row["region"],
                postcode=row["postcode"],
                journeys=bands,
                experienced=_flag(row.get("experienced", ""), where=where, column="experienced"),
                needs_accommodation=_flag(
                    row.get("accommodation", ""), where=where, column="accommodation"
                ),
            )
        )
    return places, pins
