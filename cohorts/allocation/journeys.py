"""Journey bands: what each band costs the allocation, and estimating a band from where
someone lives when they did not give one.

Estimates use straight-line distance between small shipped tables of coordinates (see
data/README.md): a postcode area's principal town, else the person's region, to the venue
city. No network look-ups.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

UNDER_ONE = "under-1h"
ONE_TO_TWO_AND_HALF = "1h-2.5h"
OVER_TWO_AND_HALF = "over-2.5h"
BANDS = (UNDER_ONE, ONE_TO_TWO_AND_HALF, OVER_TWO_AND_HALF)

# Burden points per band. An over-2½-hour journey counts three times a middle one: it usually
# means a night away and an accommodation claim, not just a longer day.
BURDEN = {UNDER_ONE: 0, ONE_TO_TWO_AND_HALF: 1, OVER_TWO_AND_HALF: 3}

# Words used in explanations (the form's own labels, in lower case).
BAND_WORDS = {
    UNDER_ONE: "under 1 hour",
    ONE_TO_TWO_AND_HALF: "1 to 2½ hours",
    OVER_TWO_AND_HALF: "over 2½ hours",
}

# Straight-line kilometres → band: a rough door-to-door rule of thumb for UK rail and road
# (Sheffield–Leeds, 47 km, is under an hour; Manchester–Leeds, 58 km, and Birmingham–London,
# 162 km, are in the middle; Leeds–London, 271 km, is over 2½ hours).
UNDER_ONE_KM = 50
UNDER_TWO_AND_HALF_KM = 200

# When nothing is known about a journey, assume the middle band.
ASSUMED = ONE_TO_TWO_AND_HALF

_AREA = re.compile(r"^\s*([A-Za-z]{1,2})[0-9]")


@dataclass(frozen=True)
class Journey:
    """One person's journey to one venue city."""

    band: str
    source: str  # "stated" | "postcode" | "region" | "assumed"
    basis: str = ""  # the postcode area or region an estimate came from

    @property
    def burden(self) -> int:
        return BURDEN[self.band]

    def describe(self) -> str:
        words = BAND_WORDS[self.band]
        if self.source == "postcode":
            return f"{words} (estimated from postcode area {self.basis})"
        if self.source == "region":
            return f"{words} (estimated from region {self.basis})"
        if self.source == "assumed":
            return f"{words} (assumed: no journey time, postcode or region to go on)"
        return words


def _load(name: str, key: str) -> dict[str, tuple[float, float]]:
    with (DATA / name).open(newline="", encoding="utf-8") as handle:
        return {
            row[key].strip().casefold(): (float(row["latitude"]), float(row["longitude"]))
            for row in csv.DictReader(handle)
        }


@functools.cache
def postcode_areas() -> dict[str, tuple[float, float]]:
    return _load("postcode_areas.csv", "area")


@functools.cache
def venue_cities() -> dict[str, tuple[float, float]]:
    return _load("venue_cities.csv", "city")


@functools.cache
def regions() -> dict[str, tuple[float, float]]:
    return _load("regions.csv", "region")


def postcode_area(postcode: str) -> str:
    """The postcode's area in capitals ("LS" for "ls6 1aa"), or "" if it has none we know."""
    match = _AREA.match(postcode or "")
    if not match:
        return ""
    area = match.group(1).upper()
    return area if area.casefold() in postcode_areas() else ""


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine, Earth radius 6371 km)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(h))


def band_for_distance(km: float) -> str:
    if km < UNDER_ONE_KM:
        return UNDER_ONE
    if km < UNDER_TWO_AND_HALF_KM:
        return ONE_TO_TWO_AND_HALF
    return OVER_TWO_AND_HALF


def city_key(city: str) -> str:
    return " ".join(city.split()).casefold()


def journey(*, city: str, stated: str = "", postcode: str = "", region: str = "") -> Journey:
    """The band to `city`: as stated, else estimated from postcode area, else from region,
    else assumed to be the middle band."""
    if stated:
        return Journey(band=stated, source="stated")
    venue = venue_cities().get(city_key(city))
    if venue is not None:
        area = postcode_area(postcode)
        if area:
            km = distance_km(postcode_areas()[area.casefold()], venue)
            return Journey(band=band_for_distance(km), source="postcode", basis=area)
        centre = regions().get((region or "").casefold())
        if centre is not None:
            return Journey(
                band=band_for_distance(distance_km(centre, venue)), source="region", basis=region
            )
    return Journey(band=ASSUMED, source="assumed")
