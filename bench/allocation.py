"""Allocation, timed: seeded synthetic editions solved by cohorts.allocation (no database).

Each case prints its time beside its goal, the solver's status and, when it stopped short of
optimal, the proven gap. The goal is met only when the time is under the goal and the answer
is proven optimal or its proven gap is under 1%.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from applications.enums import Region
from cohorts.allocation import CohortSpec, Place, allocate, journeys

CITIES = [
    "London",
    "Leeds",
    "Manchester",
    "Birmingham",
    "Glasgow",
    "Cardiff",
    "Bristol",
    "Newcastle",
]


@dataclass(frozen=True)
class Case:
    name: str
    places: int
    cohorts: int
    capacity: int
    goal_seconds: float
    cities: int


CASES = [
    Case("40 places into 2 cohorts", 40, 2, 20, 0.2, 2),
    # Mid-size editions with spare places (cohorts may stay part-empty): goal < 5 s, optimal
    # (or the proven gap printed), four venue cities.
    Case("60 places into 4 cohorts of 20", 60, 4, 20, 5.0, 4),
    Case("100 places into 6 cohorts of 20", 100, 6, 20, 5.0, 4),
    Case("150 places into 10 cohorts of 20", 150, 10, 20, 5.0, 4),
    Case("300 places into 20 cohorts of 20", 300, 20, 20, 5.0, 4),
    Case("5,000 places into 250 cohorts of 20", 5000, 250, 20, 10.0, len(CITIES)),
]


def instance(*, case: Case, seed: int = 2021) -> tuple[list[Place], list[CohortSpec]]:
    """A plausible edition: people spread over the postcode areas, most giving their journey
    band (sometimes a band off the estimate), the rest leaving it blank; cohorts alternate
    weekends and cycle through the venue cities."""
    rng = random.Random(seed)
    cities = CITIES[: case.cities]
    cohorts = [
        CohortSpec(
            id=f"c{i:03}",
            weekend="ab"[i % 2],
            venue_city=cities[(i // 2) % len(cities)] if case.cities > 2 else cities[i % 2],
            capacity=case.capacity,
        )
        for i in range(case.cohorts)
    ]
    areas = sorted(journeys.postcode_areas())
    regions = [region.value for region in Region]
    places = []
    for i in range(case.places):
        area = rng.choice(areas).upper()
        postcode = f"{area}{rng.randint(1, 9)} {rng.randint(1, 9)}AA"
        stated = {}
        for city in cities:
            if rng.random() < 0.7:
                band = journeys.journey(city=city, postcode=postcode).band
                if rng.random() < 0.15:
                    band = rng.choice(journeys.BANDS)
                stated[city] = band
        places.append(
            Place(
                id=f"p{i:05}",
                weekend=rng.choices(["a", "b", "either"], weights=[3, 3, 4])[0],
                region=rng.choice(regions),
                postcode=postcode,
                journeys=stated,
                experienced=rng.random() < 0.4,
                needs_accommodation=rng.random() < 0.2,
            )
        )
    return places, cohorts


def run(*, repeat: int = 3, time_limit: float = 30.0, write: Callable[[str], None] = print):
    write("Allocation (cohorts.allocation, scipy milp / HiGHS, no database)")
    for case in CASES:
        places, cohorts = instance(case=case)
        times = []
        result = None
        for _ in range(repeat):
            started = time.perf_counter()
            result = allocate(places=places, cohorts=cohorts, time_limit=time_limit)
            times.append(time.perf_counter() - started)
        seconds = statistics.median(times)
        met = seconds < case.goal_seconds and (result.status == "optimal" or result.gap < 0.01)
        verdict = "meets goal" if met else "MISSES goal"
        status = result.status
        if status != "optimal":
            status += f", proven gap {result.gap:.2%}"
        worst = max(result.burden.values(), default=0)
        write(
            f"  {case.name}: {seconds:.3f} s (median of {repeat}; goal < "
            f"{case.goal_seconds:g} s, optimal or gap < 1%: {verdict}); {status}; "
            f"journey burden {result.objective:g} "
            f"(worst {worst}), imbalance {result.imbalance:.2f}"
        )
