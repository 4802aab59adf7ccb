"""Words: why each person went where they did, and why no allocation exists."""

from __future__ import annotations

from collections import Counter

from .inputs import CohortSpec, Place
from .journeys import Journey

WEEKEND_WORDS = {"a": "weekend A only", "b": "weekend B only", "either": "either weekend"}


def _people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


def _places(count: int) -> str:
    return f"{count} {'place' if count == 1 else 'places'}"


def explanation(
    *, place: Place, journeys: dict[str, Journey], cities: list[str], pinned_to: str = ""
) -> str:
    """ "Leeds: under 1 hour, London: over 2½ hours; either weekend" (cities by name)."""
    parts = ", ".join(f"{city}: {journeys[city].describe()}" for city in cities)
    text = f"{parts}; {WEEKEND_WORDS[place.weekend]}"
    if pinned_to:
        text += f"; pinned to {pinned_to}"
    return text


def problems(*, places: list[Place], cohorts: list[CohortSpec], pins: dict[str, str]) -> list[str]:
    """Every reason no assignment can exist, in plain words; empty if one does.

    Within a weekend, cohorts are interchangeable as far as feasibility goes, so (Hall's
    condition) an assignment exists exactly when every cohort holds its pins, everyone pinned
    can attend their cohort's weekend, and for each weekend the people who must be on it fit
    its places, and everyone fits all places together.
    """
    found = []
    by_id = {cohort.id: cohort for cohort in cohorts}
    weekend_of = {place.id: place.weekend for place in places}

    for place_id, cohort_id in sorted(pins.items()):
        cohort = by_id[cohort_id]
        if weekend_of[place_id] not in ("either", cohort.weekend):
            found.append(
                f"{place_id} is pinned to {cohort_id} on weekend {cohort.weekend.upper()} but "
                f"can only attend weekend {weekend_of[place_id].upper()}: unpin or move them"
            )
    pinned = Counter(pins.values())
    for cohort in cohorts:
        if pinned[cohort.id] > cohort.capacity:
            found.append(
                f"{_people(pinned[cohort.id])} are pinned to {cohort.id}, which has "
                f"{_places(cohort.capacity)}: unpin {pinned[cohort.id] - cohort.capacity} "
                "or add capacity"
            )

    capacity = {
        weekend: sum(c.capacity for c in cohorts if c.weekend == weekend) for weekend in "ab"
    }
    for weekend in "ab":
        only = sum(1 for place in places if place.weekend == weekend)
        held = sum(
            1
            for place_id, cohort_id in pins.items()
            if weekend_of[place_id] == "either" and by_id[cohort_id].weekend == weekend
        )
        if only + held > capacity[weekend]:
            who = f"{_people(only)} can only attend weekend {weekend.upper()}"
            if held:
                who = (
                    f"{_people(only + held)} must be on weekend {weekend.upper()} "
                    f"({only} can only attend it, {held} more are pinned there)"
                )
            found.append(
                f"{who}, which has {_places(capacity[weekend])}: "
                "unpin, add capacity or move someone"
            )
    total = sum(capacity.values())
    if len(places) > total:
        found.append(
            f"{_people(len(places))} need a place but the cohorts have {_places(total)} in all: "
            "add capacity or a cohort"
        )
    return found
