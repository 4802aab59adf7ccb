"""The cohort allocation: who goes to which cohort. Pure: no models, no database.

    allocate(places=[Place(...)], cohorts=[CohortSpec(...)], pins={place_id: cohort_id})

See OBJECTIVE for exactly what is optimised; `manage.py allocate --help` prints it.
"""

from __future__ import annotations

import time
from collections import Counter

from . import explain, journeys, solver
from .inputs import AVAILABILITY, WEEKENDS, Allocation, AllocationInputError, CohortSpec, Place

__all__ = [
    "OBJECTIVE",
    "WEIGHTS",
    "Allocation",
    "AllocationInputError",
    "CohortSpec",
    "Place",
    "allocate",
    "imbalance",
]

# Weights of the balance terms (stage 2). Equal: no one kind of mix matters more.
WEIGHTS = {"region": 1.0, "experienced": 1.0, "accommodation": 1.0}

OBJECTIVE = """\
Hard constraints: no cohort gets more people than its capacity; a person only goes to a
cohort on a weekend they can attend ("either" fits both); pinned people stay where pinned.

1. Journey burden (minimised first; the "objective"): the sum over people of the points of
   their journey band to their cohort's venue city: under 1 hour = 0, 1 to 2.5 hours = 1,
   over 2.5 hours = 3. The band is the one the person gave for that city; if blank, it is
   estimated from the straight-line distance between their postcode area's principal town
   and the city (under 50 km: under 1 hour; under 200 km: 1 to 2.5 hours; else over
   2.5 hours), else from their region's centre the same way, else assumed 1 to 2.5 hours.
2. Imbalance (minimised second, among assignments with that least burden; the
   "imbalance"): for each cohort c and each group g, |n(g, c) - share(g) x size(c)|, where
   n(g, c) is how many of c's people are in g, size(c) how many people c has and share(g)
   the fraction of all people in g; summed with weights, region 1 (one group per region
   anyone has), experienced organisers 1, people needing accommodation 1.
Burden strictly comes first: the second stage may not raise it by even one point. Among
equally good answers the solver's deterministic choice is kept, and people of the same kind
are handed out in id order, so the same input always gives the same answer.
A very large edition (thousands of people; more than solver.FULL_MODEL_LIMIT integer
variables) keeps stage 1's choice of venue and weekend for everyone and deals each such
group's people out to its cohorts evenly by region, experience and accommodation; its status
is then "feasible" with the gap proven against a lower bound on the imbalance (0 unless
every cohort must be full)."""


def _normalise(places, cohorts, pins):
    clean_places = []
    seen = set()
    for place in places:
        if not str(place.id).strip():
            raise AllocationInputError("A place has no id.")
        if place.id in seen:
            raise AllocationInputError(f"Place {place.id} appears twice.")
        seen.add(place.id)
        weekend = (place.weekend or "").strip().lower()
        weekend = "either" if weekend == "both" else weekend
        if weekend not in AVAILABILITY:
            raise AllocationInputError(
                f"Place {place.id} has no weekend it can attend (got {place.weekend!r}; "
                "expected a, b or either)."
            )
        bands = {}
        for city, band in place.journeys.items():
            band = (band or "").strip()
            if band and band not in journeys.BANDS:
                raise AllocationInputError(
                    f"Place {place.id}: {band!r} is not a journey band for {city} "
                    f"(expected {', '.join(journeys.BANDS)} or blank)."
                )
            if band:
                bands[journeys.city_key(city)] = band
        clean_places.append(
            Place(
                id=place.id,
                weekend=weekend,
                region=(place.region or "").strip(),
                postcode=(place.postcode or "").strip(),
                journeys=bands,
                experienced=bool(place.experienced),
                needs_accommodation=bool(place.needs_accommodation),
            )
        )
    clean_cohorts = []
    seen = set()
    for cohort in cohorts:
        if not str(cohort.id).strip():
            raise AllocationInputError("A cohort has no id.")
        if cohort.id in seen:
            raise AllocationInputError(f"Cohort {cohort.id} appears twice.")
        seen.add(cohort.id)
        weekend = (cohort.weekend or "").strip().lower()
        if weekend not in WEEKENDS:
            raise AllocationInputError(
                f"Cohort {cohort.id}: weekend must be a or b (got {cohort.weekend!r})."
            )
        if not cohort.venue_city or not cohort.venue_city.strip():
            raise AllocationInputError(f"Cohort {cohort.id} has no venue city.")
        if not isinstance(cohort.capacity, int) or cohort.capacity < 1:
            raise AllocationInputError(
                f"Cohort {cohort.id} has no capacity (got {cohort.capacity!r})."
            )
        clean_cohorts.append(
            CohortSpec(
                id=cohort.id,
                weekend=weekend,
                venue_city=" ".join(cohort.venue_city.split()),
                capacity=cohort.capacity,
            )
        )
    place_ids = {place.id for place in clean_places}
    for place_id, cohort_id in (pins or {}).items():
        if place_id not in place_ids:
            raise AllocationInputError(f"A pin names place {place_id}, which is not an input.")
        if cohort_id not in seen:
            raise AllocationInputError(
                f"{place_id} is pinned to cohort {cohort_id}, which is not an input."
            )
    return (
        sorted(clean_places, key=lambda p: p.id),
        sorted(clean_cohorts, key=lambda c: c.id),
        dict(pins or {}),
    )


def _groups(place: Place) -> list[str]:
    groups = []
    if place.region:
        groups.append(f"region:{place.region}")
    if place.experienced:
        groups.append("experienced")
    if place.needs_accommodation:
        groups.append("accommodation")
    return groups


def _weight(group: str) -> float:
    return WEIGHTS["region"] if group.startswith("region:") else WEIGHTS[group]


def imbalance(*, places: list[Place], assignments: dict[str, str]) -> float:
    """The secondary term of an assignment, exactly as OBJECTIVE defines it."""
    totals = Counter(group for place in places for group in _groups(place))
    size = Counter(assignments.values())
    count = Counter((group, assignments[place.id]) for place in places for group in _groups(place))
    n = len(places)
    return sum(
        _weight(group) * abs(count[(group, cohort)] - totals[group] / n * size[cohort])
        for group in totals
        for cohort in size
    )


def allocate(
    *,
    places: list[Place],
    cohorts: list[CohortSpec],
    pins: dict[str, str] | None = None,
    time_limit: float = 30.0,
) -> Allocation:
    """The optimal allocation of `places` to `cohorts` (see OBJECTIVE), or why none exists.

    Raises AllocationInputError for input that is wrong in itself (duplicate or unknown ids,
    a bad weekend or band, a cohort without capacity); returns status "infeasible" with
    `problems` when the input is fine but no assignment fits.
    """
    started = time.monotonic()
    places, cohorts, pins = _normalise(places, cohorts, pins)
    cities = sorted({cohort.venue_city for cohort in cohorts}, key=str.casefold)
    trips = {
        place.id: {
            city: journeys.journey(
                city=city,
                stated=place.journeys.get(journeys.city_key(city), ""),
                postcode=place.postcode,
                region=place.region,
            )
            for city in cities
        }
        for place in places
    }
    explanations = {
        place.id: explain.explanation(
            place=place, journeys=trips[place.id], cities=cities, pinned_to=pins.get(place.id, "")
        )
        for place in places
    }
    problems = explain.problems(places=places, cohorts=cohorts, pins=pins)
    if problems:
        return Allocation(
            status="infeasible",
            objective=0.0,
            gap=0.0,
            assignments={},
            explanations=explanations,
            problems=problems,
            burden={},
            seconds=time.monotonic() - started,
        )

    group_names = sorted({group for place in places for group in _groups(place)})
    group_index = {group: g for g, group in enumerate(group_names)}
    n = len(places)
    totals = Counter(group for place in places for group in _groups(place))
    classes = sorted({(cohort.weekend, cohort.venue_city) for cohort in cohorts})
    class_index = {klass: k for k, klass in enumerate(classes)}
    pinned_count = Counter(pins.values())
    pinned_groups = Counter(
        (group_index[group], pins[place.id])
        for place in places
        if place.id in pins
        for group in _groups(place)
    )
    slots = [
        solver.Slot(
            id=cohort.id,
            klass=class_index[(cohort.weekend, cohort.venue_city)],
            free=cohort.capacity - pinned_count[cohort.id],
            pinned=pinned_count[cohort.id],
            pinned_groups=tuple(pinned_groups[(g, cohort.id)] for g in range(len(group_names))),
        )
        for cohort in cohorts
    ]
    items = []
    for place in places:
        if place.id in pins:
            continue
        reachable = [
            k for k, (weekend, _city) in enumerate(classes) if place.weekend in ("either", weekend)
        ]
        items.append(
            solver.Item(
                id=place.id,
                classes=tuple(reachable),
                burdens=tuple(trips[place.id][classes[k][1]].burden for k in reachable),
                profile=tuple(sorted(group_index[group] for group in _groups(place))),
            )
        )
    solution = solver.solve(
        items=items,
        slots=slots,
        shares=[totals[group] / n for group in group_names],
        weights=[_weight(group) for group in group_names],
        time_limit=time_limit,
    )
    if solution is None:
        return Allocation(
            status="infeasible",
            objective=0.0,
            gap=0.0,
            assignments={},
            explanations=explanations,
            problems=["The solver found no assignment that fits every constraint."],
            burden={},
            seconds=time.monotonic() - started,
        )
    assignments = {**solution.assignments, **pins}
    city_of = {cohort.id: cohort.venue_city for cohort in cohorts}
    burden = {
        place_id: trips[place_id][city_of[cohort_id]].burden
        for place_id, cohort_id in sorted(assignments.items())
    }
    spread = imbalance(places=places, assignments=assignments)
    balance_gap = solution.balance_gap
    if solution.balance_bound is not None:
        balance_gap = (
            0.0
            if spread <= solution.balance_bound + 1e-9
            else ((spread - solution.balance_bound) / spread)
        )
    optimal = solution.burden_gap == 0.0 and balance_gap == 0.0
    gap = solution.burden_gap or balance_gap
    return Allocation(
        status="optimal" if optimal else "feasible",
        objective=float(sum(burden.values())),
        gap=gap,
        assignments=dict(sorted(assignments.items())),
        explanations=explanations,
        problems=[],
        burden=burden,
        imbalance=spread,
        burden_gap=solution.burden_gap,
        balance_gap=balance_gap,
        seconds=time.monotonic() - started,
    )
