import datetime as dt

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .enums import EmailStatus, Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person with an account: applicant, participant or staff. Email is the login."""

    username = None
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name", "email"]

    def __str__(self):
        return self.get_full_name() or self.email

    def has_role(self, role: Role) -> bool:
        return role.value in self.role_names

    @property
    def role_labels(self) -> list[str]:
        return sorted(self.role_names)

    @property
    def role_names(self) -> set[str]:
        # Cached per instance: navigation asks several times per page.
        if not hasattr(self, "_role_names"):
            self._role_names = set(self.groups.values_list("name", flat=True))
        return self._role_names


def _default_release_time():
    return dt.time(9, 0)


class EditionQuerySet(models.QuerySet):
    def open_for_applications(self, *, at: dt.datetime | None = None):
        at = at or timezone.now()
        return self.filter(applications_open_at__lte=at, applications_close_at__gt=at)

    def current(self, *, at: dt.datetime | None = None):
        """The edition people should see now: open for applications, else the next to
        open, else the most recent."""
        at = at or timezone.now()
        return (
            self.open_for_applications(at=at).first()
            or self.filter(applications_open_at__gt=at).order_by("applications_open_at").first()
            or self.order_by("-applications_open_at").first()
        )


class Edition(models.Model):
    """One year of the programme, with every date it runs on."""

    name = models.CharField(max_length=100, help_text="For example “2021”.")
    year = models.PositiveSmallIntegerField(unique=True)

    applications_open_at = models.DateTimeField("applications open")
    applications_close_at = models.DateTimeField("applications close")
    reference_deadline = models.DateTimeField(
        help_text="Referees can answer until this moment; their links expire then."
    )
    info_session_at = models.DateTimeField("drop-in information session", null=True, blank=True)
    info_session_url = models.URLField("information session joining link", blank=True)
    decisions_release_at = models.DateTimeField(
        "decision release",
        help_text="Every applicant is emailed their outcome at this moment, not before.",
    )
    offer_response_deadline = models.DateTimeField(
        help_text="Accepted applicants confirm or decline their place by this moment."
    )

    weekend_a_starts_on = models.DateField("weekend A first day")
    weekend_a_ends_on = models.DateField("weekend A last day")
    weekend_a_city = models.CharField("weekend A venue city", max_length=100)
    weekend_b_starts_on = models.DateField("weekend B first day")
    weekend_b_ends_on = models.DateField("weekend B last day")
    weekend_b_city = models.CharField("weekend B venue city", max_length=100)
    weekend_day_starts_at = models.TimeField(
        "weekend days start", default=dt.time(10, 0), help_text="Both weekends, both days."
    )
    weekend_day_ends_at = models.TimeField("weekend days end", default=dt.time(18, 0))
    closing_day = models.DateField("online closing day")

    blind_review = models.BooleanField(
        default=True,
        help_text="Reviewers see a reference number instead of names and contact details.",
    )
    reviews_per_application = models.PositiveSmallIntegerField(default=2)

    cohort_count = models.PositiveSmallIntegerField("number of cohorts", default=2)
    cohort_size = models.PositiveSmallIntegerField(default=20)

    contact_name = models.CharField("programme contact", max_length=150)
    contact_email = models.EmailField("programme contact email")

    objects = EditionQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(applications_close_at__gt=F("applications_open_at")),
                name="edition_applications_close_after_open",
                violation_error_message="Applications must close after they open.",
            ),
            models.CheckConstraint(
                condition=Q(decisions_release_at__gt=F("applications_close_at")),
                name="edition_release_after_close",
                violation_error_message="Decisions must be released after applications close.",
            ),
            models.CheckConstraint(
                condition=Q(cohort_count__gte=1) & Q(cohort_size__gte=1),
                name="edition_has_cohorts",
                violation_error_message="An edition needs at least one cohort of one person.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def places(self) -> int:
        return self.cohort_count * self.cohort_size

    def is_open_for_applications(self, *, at: dt.datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.applications_open_at <= at < self.applications_close_at

    def clean(self):
        errors = {}

        def after(later, earlier, message):
            a, b = getattr(self, later), getattr(self, earlier)
            if a is not None and b is not None and a <= b and later not in errors:
                errors[later] = message

        def not_before(later, earlier, message):
            a, b = getattr(self, later), getattr(self, earlier)
            if a is not None and b is not None and a < b and later not in errors:
                errors[later] = message

        after("applications_close_at", "applications_open_at", "Must be after applications open.")
        not_before(
            "reference_deadline",
            "applications_close_at",
            "Must not be before applications close: referees are asked when someone applies.",
        )
        after(
            "decisions_release_at",
            "reference_deadline",
            "Must be after the reference deadline, so every reference can be read first.",
        )
        after(
            "offer_response_deadline",
            "decisions_release_at",
            "Must be after decisions are released.",
        )
        opens, closes, info = (
            self.applications_open_at,
            self.applications_close_at,
            self.info_session_at,
        )
        if info and opens and closes and not opens <= info <= closes:
            errors["info_session_at"] = "Must fall while applications are open."
        not_before("weekend_a_ends_on", "weekend_a_starts_on", "Must not be before the first day.")
        not_before("weekend_b_ends_on", "weekend_b_starts_on", "Must not be before the first day.")
        if self.offer_response_deadline and self.weekend_a_starts_on:
            deadline_day = timezone.localdate(self.offer_response_deadline)
            for field in ("weekend_a_starts_on", "weekend_b_starts_on"):
                day = getattr(self, field)
                if day and day <= deadline_day and field not in errors:
                    errors[field] = "Must be after the offer response deadline."
        for field in ("weekend_a_ends_on", "weekend_b_ends_on"):
            day = getattr(self, field)
            if day and self.closing_day and self.closing_day <= day and "closing_day" not in errors:
                errors["closing_day"] = "Must be after both in-person weekends."
        after("weekend_day_ends_at", "weekend_day_starts_at", "Must be after the start time.")

        window_valid = "applications_close_at" not in errors
        if self.applications_open_at and self.applications_close_at and window_valid:
            overlapping = Edition.objects.filter(
                applications_open_at__lt=self.applications_close_at,
                applications_close_at__gt=self.applications_open_at,
            ).exclude(pk=self.pk)
            clash = overlapping.first()
            if clash:
                errors["applications_open_at"] = (
                    f"Applications for {clash} are open at the same time. "
                    "Only one edition can take applications at any moment."
                )
        if errors:
            raise ValidationError(errors)


class OutboxEmailQuerySet(models.QuerySet):
    def due(self, *, at: dt.datetime | None = None):
        at = at or timezone.now()
        return self.filter(status=EmailStatus.PENDING, next_attempt_at__lte=at)

    def retrying(self):
        """Waiting for another try after a failed one."""
        return self.filter(status=EmailStatus.PENDING, attempts__gt=0)

    def claims_expired(self, *, before: dt.datetime):
        return self.filter(status=EmailStatus.CLAIMED, claimed_at__lt=before)


class OutboxEmail(models.Model):
    """An email the system sends: a row first, delivered by Celery after commit.

    The unique idempotency key makes "send this once" a database fact, and the Message-ID,
    fixed when the row is made, makes any resend the same message to the recipient's mail
    program. Only panitch.outbox changes the status: pending → claimed (committed before the
    mail server is contacted) → sent, or back to pending to retry, or failed.
    """

    kind = models.CharField(max_length=100, help_text="Which email this is, e.g. a template name.")
    to = models.EmailField("recipient")
    reply_to = models.EmailField(blank=True)
    subject = models.CharField(max_length=255)
    body_text = models.TextField("text body")
    body_html = models.TextField("HTML body", blank=True)
    # Text attachments (calendar invitations): [{"filename", "mimetype", "content"}].
    attachments = models.JSONField(default=list, blank=True)
    idempotency_key = models.CharField(max_length=255, unique=True)
    message_id = models.CharField("Message-ID", max_length=255, blank=True)
    # Carries an authentication secret (sign-in code, reset link, referee link): only
    # superusers may read the body, and it is blanked once sent.
    sensitive = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    first_failed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the first attempt of this email failed."
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = OutboxEmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "outbox email"
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.subject} → {self.to}"
