"""Cohorts and participants: the hub everything after selection hangs off.

A participant is one person's confirmed place in one edition, with its cohort. The schedule,
projects and claims refer to the participant (or the cohort), and their permissions follow
from it: members of the same cohort, the cohort's facilitators, staff.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from applications.models import Application
from panitch.models import Edition

from .enums import ChangeKind, ParticipantStatus, Weekend


class Cohort(models.Model):
    """One group of (by default) 20 participants of an edition, meeting at one venue on one
    in-person weekend."""

    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="cohorts")
    name = models.CharField(max_length=100, help_text="For example “London”.")
    weekend = models.CharField(max_length=1, choices=Weekend.choices)
    venue_city = models.CharField(max_length=100)
    venue_name = models.CharField(max_length=200, blank=True)
    venue_address = models.TextField(blank=True)
    venue_access_notes = models.TextField("access notes", blank=True)
    capacity = models.PositiveSmallIntegerField(default=20)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="facilitated_cohorts", blank=True
    )

    class Meta:
        ordering = ["edition", "weekend", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "name"], name="cohort_name_unique_per_edition"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.edition})"

    @property
    def weekend_starts_on(self):
        return getattr(self.edition, f"weekend_{self.weekend}_starts_on")

    @property
    def weekend_ends_on(self):
        return getattr(self.edition, f"weekend_{self.weekend}_ends_on")


class ParticipantQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=ParticipantStatus.ACTIVE)


class Participant(models.Model):
    """A confirmed place of one person in one edition, with its cohort.

    Created when the allocation is committed (or a backfilled place is allocated); only
    cohorts.services changes it.
    """

    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="participants")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="participations"
    )
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="participant"
    )
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="participants")
    status = models.CharField(
        max_length=10, choices=ParticipantStatus.choices, default=ParticipantStatus.ACTIVE
    )
    joined_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)

    # Asked of the participant once they have a place.
    share_contact = models.BooleanField(
        "share my email address and phone number with my cohort", default=False
    )
    dietary_needs = models.TextField(blank=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["cohort", "person__first_name", "person__last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "person"], name="one_place_per_person_per_edition"
            )
        ]

    def __str__(self):
        return f"{self.person} in {self.cohort}"


class AllocationPin(models.Model):
    """A programme admin's decision in the draft plan: this confirmed place goes to this cohort.

    The draft is only pins: the solver places everyone else, and the same pins always give the
    same plan, so a re-run (or another admin's) reproduces what was previewed.
    """

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="allocation_pin"
    )
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="pins")
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    pinned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["cohort", "pk"]

    def __str__(self):
        return f"{self.application} pinned to {self.cohort.name}"


class AllocationCommit(models.Model):
    """The moment an edition's allocation became its participants: once per edition."""

    edition = models.OneToOneField(Edition, on_delete=models.PROTECT, related_name="allocation")
    committed_at = models.DateTimeField()
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    participants_created = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, help_text="The solver's status for this plan.")
    objective = models.FloatField(null=True, blank=True)

    def __str__(self):
        return f"Allocation of {self.edition} committed {self.committed_at:%Y-%m-%d %H:%M}"


class ParticipantChange(models.Model):
    """The audit trail of a participant after commit: allocated, moved, withdrawn."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    from_cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.participant}: {self.get_kind_display()}"
