"""Reviewing: assignments, conflicts of interest and scores. Every change goes through here."""

import statistics
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from panitch.enums import Role
from panitch.models import Edition, User

from .enums import ApplicationStatus
from .models import Application, ConflictOfInterest, Review, ReviewAssignment


def reviewers() -> QuerySet[User]:
    return User.objects.filter(groups__name=Role.REVIEWER.value, is_active=True).order_by("pk")


@transaction.atomic
def reviews_assign(*, edition: Edition, per_application: int | None = None) -> int:
    """Give every submitted application `per_application` reviewers, balancing the load and
    never assigning someone with a declared conflict. Returns how many assignments were made."""
    per_application = per_application or edition.reviews_per_application
    people = list(reviewers())
    if not people:
        raise ValidationError("There are no reviewers: add people to the Reviewer group first.")
    applications = list(
        Application.objects.filter(edition=edition, status=ApplicationStatus.SUBMITTED)
        .select_for_update()
        .order_by("pk")
    )
    assigned = set(
        ReviewAssignment.objects.filter(application__edition=edition).values_list(
            "application_id", "reviewer_id"
        )
    )
    conflicts = set(
        ConflictOfInterest.objects.filter(application__edition=edition).values_list(
            "application_id", "reviewer_id"
        )
    )
    load = Counter({person.pk: 0 for person in people})
    load.update(reviewer for _, reviewer in assigned if reviewer in load)
    new = []
    for application in applications:
        have = sum((application.pk, person.pk) in assigned for person in people)
        candidates = sorted(
            (
                person
                for person in people
                if (application.pk, person.pk) not in assigned
                and (application.pk, person.pk) not in conflicts
                and person.pk != application.applicant_id
            ),
            key=lambda person: (load[person.pk], person.pk),
        )
        for person in candidates[: max(per_application - have, 0)]:
            new.append(ReviewAssignment(application=application, reviewer=person))
            assigned.add((application.pk, person.pk))
            load[person.pk] += 1
    ReviewAssignment.objects.bulk_create(new)
    return len(new)


def _ensure_can_review(application: Application, reviewer: User) -> None:
    if not ReviewAssignment.objects.filter(application=application, reviewer=reviewer).exists():
        raise PermissionDenied("This application is not on your list.")


@transaction.atomic
def review_declare_conflict(*, application: Application, reviewer: User, reason: str = "") -> None:
    """Take the application off the reviewer's list, and any review they gave with it."""
    if application.decision_frozen:
        raise ValidationError("Decisions have been released: reviews can no longer change.")
    ConflictOfInterest.objects.get_or_create(
        application=application, reviewer=reviewer, defaults={"reason": reason[:300]}
    )
    ReviewAssignment.objects.filter(application=application, reviewer=reviewer).delete()
    Review.objects.filter(application=application, reviewer=reviewer).delete()


@transaction.atomic
def review_submit(*, application: Application, reviewer: User, scores: dict) -> Review:
    _ensure_can_review(application, reviewer)
    if application.decision_frozen:
        raise ValidationError("Decisions have been released: reviews can no longer change.")
    review, _ = Review.objects.update_or_create(
        application=application, reviewer=reviewer, defaults=scores
    )
    return review


# Reads


@dataclass(frozen=True)
class ScoreSummary:
    count: int
    mean: float | None
    spread: float | None  # highest total minus lowest

    @classmethod
    def of(cls, reviews) -> "ScoreSummary":
        totals = [review.total for review in reviews]
        if not totals:
            return cls(0, None, None)
        return cls(len(totals), round(statistics.fmean(totals), 1), max(totals) - min(totals))


def for_reviewer(*, reviewer: User, edition: Edition | None = None):
    """The applications on a reviewer's list, each marked with whether they have reviewed it."""
    queryset = (
        Application.objects.filter(
            review_assignments__reviewer=reviewer, status=ApplicationStatus.SUBMITTED
        )
        .with_reference_counts()
        .annotate(
            reviewed_by_me=Exists(
                Review.objects.filter(application=OuterRef("pk"), reviewer=reviewer)
            )
        )
        .select_related("edition", "applicant")
        .order_by("pk")
    )
    if edition:
        queryset = queryset.filter(edition=edition)
    return queryset


def _review_count():
    return Coalesce(
        Subquery(
            Review.objects.filter(application=OuterRef("pk"))
            .values("application")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def for_reading(*, edition: Edition | None = None):
    """Every submitted application with its review count: what programme admins read."""
    queryset = (
        Application.objects.filter(status=ApplicationStatus.SUBMITTED)
        .with_reference_counts()
        .annotate(review_count=_review_count())
        .select_related("edition", "applicant")
        .order_by("pk")
    )
    if edition:
        queryset = queryset.filter(edition=edition)
    return queryset


def for_reading_page(*, pk: int) -> Application:
    """One submitted application with all its reviews, for a programme admin; 404 otherwise."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        for_reading().prefetch_related(
            "referees__reference",
            Prefetch("reviews", queryset=Review.objects.select_related("reviewer")),
        ),
        pk=pk,
    )


def next_to_review(*, reviewer: User, after: Application) -> Application | None:
    """The next application on the reviewer's list (same edition) they have not reviewed."""
    return (
        for_reviewer(reviewer=reviewer, edition=after.edition)
        .filter(reviewed_by_me=False)
        .exclude(pk=after.pk)
        .order_by(Case(When(pk__gt=after.pk, then=0), default=1), "pk")
        .first()
    )


def assignment_shortfall(*, edition: Edition) -> int:
    """How many submitted applications have fewer reviewers than the edition asks for."""
    assignments = Coalesce(
        Subquery(
            ReviewAssignment.objects.filter(application=OuterRef("pk"))
            .values("application")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )
    return (
        Application.objects.filter(edition=edition, status=ApplicationStatus.SUBMITTED)
        .annotate(assigned=assignments)
        .filter(assigned__lt=edition.reviews_per_application)
        .count()
    )


def for_review_page(*, reviewer: User, pk: int) -> Application:
    """One application on the reviewer's list, with what the review page shows; 404 otherwise."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        for_reviewer(reviewer=reviewer).prefetch_related(
            "referees__reference",
            Prefetch("reviews", queryset=Review.objects.select_related("reviewer")),
        ),
        pk=pk,
    )


@dataclass(frozen=True)
class BulkDecisionRow:
    """One application on the bulk-decision confirmation page, and what is missing from it."""

    application: Application
    reviews: int
    warnings: list[str]


def bulk_decision_rows(*, applications) -> list[BulkDecisionRow]:
    """The selected applications with their review and reference counts, each warning about
    no review, fewer reviews than its edition asks for, or references still missing."""
    review_count = _review_count()
    order = {pk: i for i, pk in enumerate(applications.values_list("pk", flat=True))}
    found = (
        Application.objects.filter(pk__in=order)
        .with_reference_counts()
        .annotate(review_count=review_count)
        .select_related("edition", "applicant")
    )
    rows = []
    for application in sorted(found, key=lambda a: order[a.pk]):
        wanted = application.edition.reviews_per_application
        warnings = []
        if application.review_count == 0:
            warnings.append("No review yet")
        elif application.review_count < wanted:
            warnings.append(f"Only {application.review_count} of {wanted} reviews")
        if application.references_received < 2:
            warnings.append(f"References: {application.references_received} of 2 received")
        rows.append(BulkDecisionRow(application, application.review_count, warnings))
    return rows


def editions_still_open(*, applications) -> list[Edition]:
    """The editions of these applications that are still taking applications."""
    now = timezone.now()
    return list(
        Edition.objects.filter(
            pk__in=applications.values("edition"),
            applications_open_at__lte=now,
            applications_close_at__gt=now,
        ).order_by("year")
    )
