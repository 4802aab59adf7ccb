"""The schedule: each edition's sessions, and who came to them.

A session belongs to one cohort (the weekend sessions at its venue, its online sessions) or to
every cohort of the edition (cohort empty: the shared closing day). A session with no start is
"to be confirmed": a real state, shown as such everywhere and left out of calendar feeds.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from cohorts.models import Cohort, Participant
from panitch.models import Edition

from .enums import AttendanceStatus, Format, Part, Strand


class SessionQuerySet(models.QuerySet):
    def dated(self):
        return self.filter(starts_at__isnull=False)

    def to_be_confirmed(self):
        return self.filter(starts_at__isnull=True)

    def not_cancelled(self):
        return self.filter(cancelled_at__isnull=True)

    def for_cohort(self, cohort: Cohort):
        """The cohort's own sessions and those every cohort of its edition shares."""
        return self.filter(Q(cohort=cohort) | Q(cohort__isnull=True, edition_id=cohort.edition_id))


class Session(models.Model):
    """One session of an edition's schedule. Only sessions.services changes it."""

    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="sessions")
    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        help_text="Empty for a session every cohort shares (the closing day).",
    )
    position = models.PositiveSmallIntegerField(
        help_text="Order in the curriculum: essentials come first."
    )
    part = models.CharField(max_length=10, choices=Part.choices)
    strand = models.CharField(max_length=15, choices=Strand.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    format = models.CharField(max_length=10, choices=Format.choices)
    starts_at = models.DateTimeField(null=True, blank=True, help_text="Empty: to be confirmed.")
    ends_at = models.DateTimeField(null=True, blank=True)
    joining_url = models.URLField("joining link", blank=True)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="facilitated_sessions", blank=True
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # iCalendar SEQUENCE: goes up by one whenever the time, place or status changes.
    sequence = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["edition", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True, ends_at__isnull=True)
                | Q(starts_at__isnull=False, ends_at__gt=models.F("starts_at")),
                name="session_ends_after_it_starts",
                violation_error_message="A session ends after it starts (or both are unset).",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_to_be_confirmed(self) -> bool:
        return self.starts_at is None


class Attendance(models.Model):
    """One participant's register entry for one session."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="attendance"
    )
    status = models.CharField(max_length=10, choices=AttendanceStatus.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "attendance"
        constraints = [
            models.UniqueConstraint(
                fields=["session", "participant"], name="one_register_entry_per_session"
            )
        ]

    def __str__(self):
        return f"{self.participant} at {self.session}: {self.get_status_display()}"


class CalendarFeed(models.Model):
    """A private iCalendar feed: one person's sessions, or one cohort's for its facilitators.

    The feed's secret URL is never stored. Its token is an HMAC (SECRET_KEY) of the feed's id
    and `salt`, so the owner can be shown their URL again on every visit while nobody reading
    the database (or the admin) can build it. Regenerating replaces the salt, which kills the
    old URL at once; revoking stops the feed until it is regenerated. Only
    sessions.calendar_feeds changes it.
    """

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feed",
    )
    cohort = models.OneToOneField(
        Cohort, on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_feed"
    )
    salt = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    regenerated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False, cohort__isnull=True)
                | Q(owner__isnull=True, cohort__isnull=False),
                name="calendar_feed_for_a_person_or_a_cohort",
                violation_error_message="A feed belongs to one person or one cohort.",
            )
        ]

    def __str__(self):
        return f"Calendar feed of {self.owner or self.cohort}"
