"""What the allocation takes and gives back. Plain values: no models, no database."""

from __future__ import annotations

from dataclasses import dataclass, field

WEEKENDS = ("a", "b")
AVAILABILITY = ("a", "b", "either")


@dataclass(frozen=True)
class Place:
    """One confirmed place to allocate.

    `weekend` is the weekend the person can attend: "a", "b" or "either" ("both" is read as
    "either"). `journeys` maps a venue city to the band the person gave for it ("under-1h",
    "1h-2.5h", "over-2.5h"); a missing or blank band is estimated from `postcode`, else
    `region`. `experienced` is whatever the caller counts as an experienced organiser (the
    cohorts app: two or more kinds of organising); it is only balanced across cohorts.
    `needs_accommodation` likewise (for example: over 2½ hours from every venue).
    """

    id: str
    weekend: str
    region: str = ""
    postcode: str = ""
    journeys: dict[str, str] = field(default_factory=dict)
    experienced: bool = False
    needs_accommodation: bool = False

    def __hash__(self):
        return hash(self.id)


@dataclass(frozen=True)
class CohortSpec:
    """One cohort to fill: its weekend ("a" or "b"), venue city and capacity (at least 1)."""

    id: str
    weekend: str
    venue_city: str
    capacity: int


@dataclass
class Allocation:
    """The answer.

    status: "optimal" (both stages proven optimal), "feasible" (a stage stopped at the time
    limit: `gap` is the solver's proven relative gap of that stage, journey burden first) or
    "infeasible" (`problems` says why in plain words; `assignments` is empty).
    objective: total journey burden (points per person and assigned venue; see OBJECTIVE).
    imbalance: the secondary, balance term of the chosen assignment (see OBJECTIVE).
    """

    status: str
    objective: float
    gap: float
    assignments: dict[str, str]
    explanations: dict[str, str]
    problems: list[str]
    burden: dict[str, int]
    imbalance: float = 0.0
    burden_gap: float = 0.0
    balance_gap: float = 0.0
    seconds: float = 0.0

    def as_json(self) -> dict:
        return {
            "status": self.status,
            "objective": self.objective,
            "imbalance": round(self.imbalance, 6),
            "gap": self.gap,
            "assignments": dict(sorted(self.assignments.items())),
            "explanation": dict(sorted(self.explanations.items())),
            "problems": list(self.problems),
        }


class AllocationInputError(ValueError):
    """Bad input; the message names the place, cohort or row."""
