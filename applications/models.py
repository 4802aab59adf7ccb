from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from panitch.models import Edition

from .enums import (
    ApplicationStatus,
    ConfirmedWeekend,
    Decision,
    JourneyTime,
    OfferStatus,
    OrganisingKind,
    ProjectKind,
    Recommendation,
    Region,
    ReviewRecommendation,
    WeekendChoice,
)

SHORT = 200
LONG = 3000


def _active_referees_answered(*, declined: bool):
    """How many of the application's current referees answered (declined or not): a
    correlated subquery, not a join and GROUP BY, so a count or a page of a long list needs
    it only where it is used (QuerySet.count() drops it, PostgreSQL computes it after LIMIT)."""
    answered = (
        Referee.objects.filter(
            application=OuterRef("pk"), replaced_at__isnull=True, reference__declined=declined
        )
        .order_by()
        .values("application")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(answered, output_field=models.IntegerField()), 0)


class ApplicationQuerySet(models.QuerySet):
    def with_reference_counts(self):
        """references_received counts answers that are references, not refusals."""
        return self.annotate(
            references_received=_active_referees_answered(declined=False),
            references_declined=_active_referees_answered(declined=True),
        )


class Application(models.Model):
    """One person's application to one edition. Only applications.services changes status."""

    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications"
    )
    status = models.CharField(
        max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    completed_steps = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    # About you
    pronouns = models.CharField(max_length=50, blank=True)
    phone = models.CharField("phone number", max_length=30, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    region = models.CharField(max_length=20, choices=Region.choices, blank=True)

    # Membership
    is_member = models.BooleanField("Momentum member", null=True)
    membership_reference = models.CharField(
        "membership number or the email used to join", max_length=SHORT, blank=True
    )
    local_group = models.CharField("local Momentum group", max_length=SHORT, blank=True)
    clp = models.CharField("Constituency Labour Party (CLP)", max_length=SHORT, blank=True)
    trade_union = models.CharField(max_length=SHORT, blank=True)

    # Experience
    organising_kinds = models.JSONField("kinds of organising", default=list, blank=True)
    experience = models.TextField("organising experience", max_length=LONG, blank=True)

    # The local political project
    project_title = models.CharField(max_length=SHORT, blank=True)
    project_kind = models.CharField(max_length=30, choices=ProjectKind.choices, blank=True)
    project_description = models.TextField("what the project is", max_length=LONG, blank=True)
    project_involves = models.TextField("who it involves", max_length=LONG, blank=True)
    project_success = models.TextField("what success looks like", max_length=LONG, blank=True)

    # Availability
    weekend_choice = models.CharField(
        "in-person weekend", max_length=10, choices=WeekendChoice.choices, blank=True
    )
    available_closing_day = models.BooleanField(null=True)
    available_online_sessions = models.BooleanField(null=True)
    has_device = models.BooleanField("has a device and internet for video calls", null=True)

    # Travel and access
    needs_travel_paid = models.BooleanField(null=True)
    journey_time_a = models.CharField(max_length=10, choices=JourneyTime.choices, blank=True)
    journey_time_b = models.CharField(max_length=10, choices=JourneyTime.choices, blank=True)
    may_need_accommodation = models.BooleanField(null=True)
    access_requirements = models.TextField(max_length=LONG, blank=True)

    # The decision (applications.decisions owns every change) and, once released, the offer.
    decision = models.CharField(max_length=15, choices=Decision.choices, blank=True)
    waitlist_rank = models.PositiveIntegerField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    offer_status = models.CharField(max_length=10, choices=OfferStatus.choices, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_deadline = models.DateTimeField(null=True, blank=True)
    offer_responded_at = models.DateTimeField(null=True, blank=True)
    confirmed_weekend = models.CharField(max_length=5, choices=ConfirmedWeekend.choices, blank=True)

    # Staff stop every further reference request (an applicant using referee changes to have
    # the organisation email people); only applications.services changes it.
    reference_requests_stopped = models.BooleanField(
        "reference requests stopped",
        default=False,
        help_text="No more reference requests are sent and referees cannot be changed.",
    )

    # Consent to processing special category data, and which notice it was given against.
    consent_special_category = models.BooleanField(default=False)
    privacy_notice_version = models.CharField(max_length=20, blank=True)
    consented_at = models.DateTimeField(null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-created_at"]
        # The staff lists page through tens of thousands in this order (the admin adds -id),
        # all of them or one edition's: an index walk, not a sort of every row.
        indexes = [
            models.Index(
                fields=["-submitted_at", "-created_at", "-id"], name="application_list_order"
            ),
            models.Index(
                fields=["edition", "-submitted_at", "-created_at", "-id"],
                name="application_edition_order",
            ),
            # The dashboard's places and offers, and the waitlist: a few rows of thousands.
            models.Index(fields=["edition", "offer_status"], name="application_edition_offer"),
            models.Index(fields=["edition", "decision"], name="application_edition_decision"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "applicant"], name="one_application_per_person_per_edition"
            )
        ]

    def __str__(self):
        # No name: this string shows in admin titles and logs, which blind reviewers see.
        return f"Application {self.reference_number}"

    @property
    def reference_number(self) -> str:
        return f"{self.edition.year}-{self.pk:04d}" if self.pk else "new"

    @property
    def decision_frozen(self) -> bool:
        """Decisions (and reviews) stop changing once the edition's decisions are released."""
        return DecisionRelease.objects.filter(edition_id=self.edition_id).exists()

    @property
    def offer_is_open(self) -> bool:
        """Offered and not past its deadline (offers_lapse marks it lapsed a little later)."""
        return self.offer_status == OfferStatus.OFFERED and (
            self.offer_deadline is None or timezone.now() <= self.offer_deadline
        )

    @property
    def organising_kind_labels(self) -> list[str]:
        labels = dict(OrganisingKind.choices)
        return [labels.get(kind, kind) for kind in self.organising_kinds]

    @property
    def active_referees(self):
        return [referee for referee in self.referees.all() if referee.replaced_at is None]


class Referee(models.Model):
    """A political referee named by an applicant. Replaced referees are kept, inactive."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="referees")
    position = models.PositiveSmallIntegerField(choices=[(1, "First"), (2, "Second")])
    name = models.CharField(max_length=SHORT)
    email = models.EmailField()
    phone = models.CharField(max_length=30, blank=True)
    organisation = models.CharField("organisation and role", max_length=SHORT)
    relationship = models.CharField("how they know the applicant", max_length=SHORT)
    known_for = models.CharField("for how long", max_length=100)
    token = models.CharField(max_length=64, unique=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application", "position", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "position"],
                condition=Q(replaced_at__isnull=True),
                name="one_active_referee_per_position",
            )
        ]

    def __str__(self):
        # No name or email, for the same reason as Application.__str__.
        return f"Referee {self.position}"


class Reference(models.Model):
    """A referee's answer (or their decision not to give one). One per referee."""

    referee = models.OneToOneField(Referee, on_delete=models.CASCADE, related_name="reference")
    declined = models.BooleanField(default=False)
    relationship = models.TextField("how they know the applicant", max_length=LONG, blank=True)
    known_for = models.CharField("for how long", max_length=100, blank=True)
    commitment = models.TextField(
        "commitment to socialist ideas and organising", max_length=LONG, blank=True
    )
    examples = models.TextField(max_length=LONG, blank=True)
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Reference from referee {self.referee.position}"


class EqualityMonitoring(models.Model):
    """Optional answers kept apart from the application: never shown to reviewers.

    Linked to the edition and the person, not to the application, so no application view can
    join to it by accident.
    """

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    age_band = models.CharField(max_length=20, blank=True)
    gender = models.CharField(max_length=100, blank=True)
    ethnicity = models.CharField(max_length=100, blank=True)
    disability = models.CharField(max_length=20, blank=True)
    sexuality = models.CharField(max_length=100, blank=True)
    class_background = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "person"], name="one_equality_monitoring_per_person_per_edition"
            )
        ]

    def __str__(self):
        return f"Equality monitoring {self.pk}"


class DecisionChange(models.Model):
    """The audit trail: every decision ever recorded on an application, oldest first."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="decision_changes"
    )
    decision = models.CharField(max_length=15, choices=Decision.choices, blank=True)
    waitlist_rank = models.PositiveIntegerField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.application}: {self.get_decision_display() or 'no decision'}"


class ReviewAssignment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="review_assignments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_assignments"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="one_assignment_per_reviewer"
            )
        ]

    def __str__(self):
        return f"{self.reviewer} reviews {self.application}"


class ConflictOfInterest(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="conflicts")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflicts"
    )
    reason = models.CharField(max_length=300, blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "conflicts of interest"
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="one_conflict_per_reviewer"
            )
        ]

    def __str__(self):
        return f"{self.reviewer} has a conflict with {self.application}"


SCORE_CHOICES = [(n, str(n)) for n in range(1, 6)]


class Review(models.Model):
    """One reviewer's scores (1–5) for one application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    commitment = models.PositiveSmallIntegerField(
        "commitment to socialist ideas and organising", choices=SCORE_CHOICES
    )
    experience = models.PositiveSmallIntegerField("organising experience", choices=SCORE_CHOICES)
    project = models.PositiveSmallIntegerField("the local project", choices=SCORE_CHOICES)
    potential = models.PositiveSmallIntegerField(
        "potential to lead and share", choices=SCORE_CHOICES
    )
    recommendation = models.CharField(max_length=10, choices=ReviewRecommendation.choices)
    comment = models.TextField(max_length=LONG, blank=True)
    submitted_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="one_review_per_reviewer"
            ),
            models.CheckConstraint(
                condition=Q(commitment__range=(1, 5))
                & Q(experience__range=(1, 5))
                & Q(project__range=(1, 5))
                & Q(potential__range=(1, 5)),
                name="review_scores_1_to_5",
            ),
        ]

    def __str__(self):
        return f"Review of {self.application} by {self.reviewer}"

    @property
    def total(self) -> int:
        return self.commitment + self.experience + self.project + self.potential


class DecisionRelease(models.Model):
    """Decision day for one edition: created once, when the outcome emails are queued."""

    edition = models.OneToOneField(Edition, on_delete=models.PROTECT, related_name="release")
    released_at = models.DateTimeField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    emails_queued = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"Decisions for {self.edition} released {self.released_at:%Y-%m-%d %H:%M}"


class OutcomeEmail(models.Model):
    """The wording of an outcome email, editable by programme admins: plain text with the
    placeholders applications.decisions.PLACEHOLDERS names, never a template."""

    decision = models.CharField(max_length=15, choices=Decision.choices, unique=True)
    subject = models.CharField(max_length=200)
    body_text = models.TextField("text body")
    body_html = models.TextField(
        "HTML body", blank=True, help_text="Optional; made from the text body when empty."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Outcome email: {self.get_decision_display()}"
