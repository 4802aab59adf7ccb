"""The selection dashboard's figures, in a fixed number of queries whatever the edition's size."""

from dataclasses import dataclass

from django.db.models import Avg, Count, Q

from panitch.models import Edition

from .enums import ApplicationStatus, Decision, OfferStatus, Region, WeekendChoice
from .models import Application, Review


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    percent: float  # of the largest bar, for drawing


def bars(pairs: list[tuple[str, int]]) -> list[Bar]:
    top = max((value for _, value in pairs), default=0) or 1
    return [Bar(label, value, round(100 * value / top, 1)) for label, value in pairs]


def figures(*, edition: Edition) -> dict:
    applications = Application.objects.filter(edition=edition)
    submitted = applications.filter(status=ApplicationStatus.SUBMITTED)

    by_status = dict(applications.values_list("status").annotate(n=Count("pk")))
    by_decision = dict(submitted.values_list("decision").annotate(n=Count("pk")))
    references = submitted.with_reference_counts().aggregate(
        complete=Count("pk", filter=Q(references_received__gte=2)),
    )
    region_rows = submitted.values_list("region", "decision").annotate(n=Count("pk"))
    weekend_rows = submitted.values_list("weekend_choice", "decision").annotate(n=Count("pk"))
    review_rows = (
        Review.objects.filter(application__in=submitted)
        .values("application")
        .annotate(mean=Avg("commitment") + Avg("experience") + Avg("project") + Avg("potential"))
        .values_list("mean", flat=True)
    )

    regions = {value: {"all": 0, "accepted": 0} for value in Region.values}
    for region, decision, n in region_rows:
        row = regions.setdefault(region or "", {"all": 0, "accepted": 0})
        row["all"] += n
        row["accepted"] += n if decision == Decision.ACCEPTED else 0
    weekends = {value: {"all": 0, "accepted": 0} for value in WeekendChoice.values}
    for choice, decision, n in weekend_rows:
        row = weekends.setdefault(choice or "", {"all": 0, "accepted": 0})
        row["all"] += n
        row["accepted"] += n if decision == Decision.ACCEPTED else 0

    # Totals run from 4 to 20: count them in bands of two.
    bands = [*((low, low + 1) for low in range(4, 20, 2)), (20, 20)]
    score_counts = dict.fromkeys(bands, 0)
    for mean in review_rows:
        low = min(max(int(mean) - (int(mean) % 2), 4), 20)
        score_counts[(low, low + 1) if low < 20 else (20, 20)] += 1

    region_labels = dict(Region.choices)
    weekend_labels = {
        WeekendChoice.A: f"Weekend A only ({edition.weekend_a_city})",
        WeekendChoice.B: f"Weekend B only ({edition.weekend_b_city})",
        WeekendChoice.BOTH: "Either weekend",
        WeekendChoice.NEITHER: "Neither",
    }
    submitted_count = by_status.get(ApplicationStatus.SUBMITTED, 0)
    # A place stays taken while its offer is open or confirmed, not once declined or lapsed.
    accepted = (
        submitted.filter(decision=Decision.ACCEPTED)
        .exclude(offer_status__in=[OfferStatus.DECLINED, OfferStatus.LAPSED])
        .count()
    )
    region_links = [
        (region_labels.get(key, "Not given"), row["all"], row["accepted"], key)
        for key, row in regions.items()
        if row["all"]
    ]
    weekend_links = [
        (weekend_labels.get(key, "Not given"), row["all"], row["accepted"], key)
        for key, row in weekends.items()
        if row["all"]
    ]
    return {
        "status": [(label, by_status.get(value, 0)) for value, label in ApplicationStatus.choices],
        "status_links": [
            (value, label, by_status.get(value, 0)) for value, label in ApplicationStatus.choices
        ],
        "decision_links": [
            (value, label, by_decision.get(value, 0)) for value, label in Decision.choices
        ]
        + [("none", "No decision yet", by_decision.get("", 0))],
        "region_links": region_links,
        "weekend_links": weekend_links,
        "decisions": [(label, by_decision.get(value, 0)) for value, label in Decision.choices]
        + [("No decision yet", by_decision.get("", 0))],
        "submitted": submitted_count,
        "references_complete": references["complete"],
        "references_incomplete": submitted_count - references["complete"],
        "places": edition.places,
        "accepted": accepted,
        "places_left": edition.places - accepted,
        "regions": [link[:3] for link in region_links],
        "weekends": [link[:3] for link in weekend_links],
        "weekend_capacity": edition.places,
        "score_bars": bars(
            [
                (f"{low}–{high}" if low != high else str(low), n)
                for (low, high), n in score_counts.items()
            ]
        ),
        "reviewed": len(review_rows),
    }
