"""The selection dashboard's figures, in a fixed number of queries whatever the edition's size."""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Avg, Count

from panitch.models import Edition

from .enums import ApplicationStatus, Decision, OfferStatus, Region, WeekendChoice
from .models import Application, Referee, Review


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

    # One pass over the edition's applications for every count by status, decision, region,
    # weekend and offer: a few hundred groups at most, however many applications.
    groups = applications.values_list(
        "status", "decision", "region", "weekend_choice", "offer_status"
    ).annotate(n=Count("pk"))
    by_status, by_decision = Counter(), Counter()
    region_rows, weekend_rows = Counter(), Counter()
    accepted = 0
    for status, decision, region, weekend, offer, n in groups:
        by_status[status] += n
        if status != ApplicationStatus.SUBMITTED:
            continue
        by_decision[decision] += n
        region_rows[region, decision] += n
        weekend_rows[weekend, decision] += n
        # A place stays taken while its offer is open or confirmed, not once declined or lapsed.
        if decision == Decision.ACCEPTED and offer not in (
            OfferStatus.DECLINED,
            OfferStatus.LAPSED,
            OfferStatus.WITHDRAWN,
        ):
            accepted += n
    # Grouped over the referees, not a subquery per application.
    references_complete = (
        Referee.objects.filter(
            application__in=submitted, replaced_at__isnull=True, reference__declined=False
        )
        .order_by()
        .values("application")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .count()
    )
    review_rows = (
        Review.objects.filter(application__in=submitted)
        .values("application")
        .annotate(mean=Avg("commitment") + Avg("experience") + Avg("project") + Avg("potential"))
        .values_list("mean", flat=True)
    )

    regions = {value: {"all": 0, "accepted": 0} for value in Region.values}
    for (region, decision), n in region_rows.items():
        row = regions.setdefault(region or "", {"all": 0, "accepted": 0})
        row["all"] += n
        row["accepted"] += n if decision == Decision.ACCEPTED else 0
    weekends = {value: {"all": 0, "accepted": 0} for value in WeekendChoice.values}
    for (choice, decision), n in weekend_rows.items():
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
        "references_complete": references_complete,
        "references_incomplete": submitted_count - references_complete,
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
