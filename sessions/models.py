"""The schedule: each edition's sessions, and who came to them.

A session belongs to one cohort (the weekend sessions at its venue, its online sessions) or to
every cohort of the edition (cohort empty: the shared closing day). A session with no start is
"to be confirmed": a real state, shown as such everywhere and left out of calendar feeds.
"""

import datetime as dt
import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property

from cohorts.models import Cohort, Participant
from panitch.models import Edition

from .enums import AttendanceStatus, Format, FreeSessionKind, Part, Strand


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


class ScheduleSettings(models.Model):
    """An edition's schedule settings, kept in the schedule app rather than on Edition."""

    edition = models.OneToOneField(
        Edition, on_delete=models.CASCADE, related_name="schedule_settings"
    )
    joining_link_minutes = models.PositiveSmallIntegerField(
        "show joining links from (minutes before the start)", default=30
    )
    at_risk_after_missed = models.PositiveSmallIntegerField(
        "at risk of not completing after missing",
        default=3,
        help_text="Sessions missed (absent or apologies) from which a participant is at risk.",
    )

    class Meta:
        verbose_name = "schedule settings"
        verbose_name_plural = "schedule settings"

    def __str__(self):
        return f"Schedule settings for {self.edition}"

    @property
    def joining_link_lead(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.joining_link_minutes)


class PrivateStorage(FileSystemStorage):
    """Files with no public URL: they are read through a view that checks who is asking
    (sessions.views.material_download)."""

    @cached_property
    def base_location(self):
        # Read when first used (and again if MEDIA_ROOT changes), not at import.
        return os.path.join(str(settings.MEDIA_ROOT), "private")

    def url(self, name):
        raise ValueError("Private files have no URL; link to the view that serves them.")


_private_storage = PrivateStorage()


def private_storage():
    return _private_storage


class Material(models.Model):
    """A file or a link for one session."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="materials/%Y/", storage=private_storage, blank=True)
    url = models.URLField("link", blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["session", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="material_is_a_file_or_a_link",
                violation_error_message="A material is either a file or a link.",
            )
        ]

    def __str__(self):
        return self.title


class FreeSessionRequest(models.Model):
    """A topic a participant asks for, or offers to lead, in one of the free sessions."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="free_requests")
    requested_by = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="free_requests"
    )
    kind = models.CharField(max_length=10, choices=FreeSessionKind.choices)
    topic = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The free slot it became; set once, by sessions.services.free_request_schedule.
    session = models.OneToOneField(
        Session,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="free_request",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.topic


class FreeSessionSupport(models.Model):
    """One participant backing a request: one support per person and request."""

    request = models.ForeignKey(
        FreeSessionRequest, on_delete=models.CASCADE, related_name="supports"
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="free_supports"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request", "participant"], name="one_support_per_person_per_request"
            )
        ]

    def __str__(self):
        return f"{self.participant} supports {self.request}"


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
