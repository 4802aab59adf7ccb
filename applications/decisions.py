"""Decisions, their release on decision day, and the offers that follow.

One function owns each change: `decision_record` (and its bulk form), `decisions_release`,
`offer_respond`, `offers_lapse`, `waitlist_offer_next`. Decisions change freely until release;
after it they are frozen and every applicant has had exactly one outcome email (the outbox key
`decision:<edition pk>:<application pk>` makes that a database fact).
"""

import datetime as dt
import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, linebreaks

from panitch import outbox
from panitch.enums import EmailStatus, Role
from panitch.models import Edition, OutboxEmail, User

from .enums import ApplicationStatus, ConfirmedWeekend, Decision, OfferStatus
from .models import Application, DecisionChange, DecisionRelease, OutcomeEmail

logger = logging.getLogger(__name__)

WARN_DAYS_BEFORE = 3
MIN_OFFER_DAYS = 7


class ReleaseBlocked(ValidationError):
    """Some submitted applications have no decision yet."""

    def __init__(self, missing: list[Application]):
        self.missing = missing
        names = ", ".join(a.reference_number for a in missing[:20])
        more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
        super().__init__(
            f"{len(missing)} submitted application(s) have no decision yet: {names}{more}."
        )


def _ensure_not_released(edition: Edition) -> None:
    if DecisionRelease.objects.filter(edition=edition).exists():
        raise ValidationError("Decisions for this edition have been released and are frozen.")


@transaction.atomic
def decision_record(
    *,
    application: Application,
    decision: str,
    by: User,
    waitlist_rank: int | None = None,
    note: str = "",
) -> Application:
    """Set (or change) an application's decision before release, keeping the audit trail.

    The edition's row is locked first, as `decisions_release` locks it: a change either
    commits before a release starts (and the release sends it) or waits for the release and
    is refused, never slips in while the release is sending.
    """
    edition_id = Application.objects.values_list("edition_id", flat=True).get(pk=application.pk)
    Edition.objects.select_for_update().filter(pk=edition_id).first()
    application = Application.objects.select_for_update().get(pk=application.pk)
    _ensure_not_released(application.edition)
    if application.status != ApplicationStatus.SUBMITTED:
        raise ValidationError(f"{application.reference_number} is not a submitted application.")
    if decision not in Decision.values:
        raise ValidationError(f"“{decision}” is not a decision.")
    if decision == Decision.WAITLISTED and waitlist_rank is None:
        top = Application.objects.filter(
            edition=application.edition, decision=Decision.WAITLISTED
        ).aggregate(top=Max("waitlist_rank"))["top"]
        waitlist_rank = (top or 0) + 1
    if decision != Decision.WAITLISTED:
        waitlist_rank = None
    now = timezone.now()
    application.decision = decision
    application.waitlist_rank = waitlist_rank
    application.decided_by = by
    application.decided_at = now
    application.save(
        update_fields=["decision", "waitlist_rank", "decided_by", "decided_at", "updated_at"]
    )
    DecisionChange.objects.create(
        application=application,
        decision=decision,
        waitlist_rank=waitlist_rank,
        changed_by=by,
        changed_at=now,
        note=note,
    )
    return application


@transaction.atomic
def decisions_record_bulk(*, applications, decision: str, by: User, note: str = "") -> int:
    """Record one decision for many applications, with the same note in each one's history.
    Waitlisted ones are ranked in the queryset's order: the admin action passes the list as
    sorted on screen (say, by score)."""
    count = 0
    for application in applications if applications.ordered else applications.order_by("pk"):
        decision_record(application=application, decision=decision, by=by, note=note)
        count += 1
    return count


def decisions_missing(*, edition: Edition):
    return Application.objects.filter(
        edition=edition, status=ApplicationStatus.SUBMITTED, decision=""
    ).order_by("pk")


def _programme_admins():
    return User.objects.filter(groups__name=Role.PROGRAMME_ADMIN.value, is_active=True)


def _warn_missing(*, edition: Edition, missing: list[Application], moment: str) -> int:
    """Tell programme admins what blocks the release; once per admin per moment."""
    sent = 0
    for admin_user in _programme_admins():
        key = f"decisions_missing:{edition.pk}:{moment}:{admin_user.pk}"
        if OutboxEmail.objects.filter(idempotency_key=key).exists():
            continue
        outbox.queue(
            kind="decisions_missing",
            to=admin_user.email,
            key=key,
            template="decisions_missing",
            context={
                "edition": edition,
                "missing": missing,
                "at_release": moment == "at-release",
                "admin_url": settings.PANITCH_BASE_URL
                + reverse("admin:applications_application_changelist")
                + f"?edition__id__exact={edition.pk}&status__exact=submitted&decision=none",
            },
        )
        sent += 1
    return sent


# The editable outcome wording: plain text with {{ placeholders }}, never a template.
# Staff write it and it is mailed to every applicant, so it may reach these strings and
# nothing else: no model object, no attribute, no tag, no filter.
PLACEHOLDERS = {
    "name": "the applicant's first name",
    "reference_number": "the application's reference number, like 2021-0042",
    "edition_name": "the edition, like 2021",
    "offer_url": "the link to answer an offer",
    "offer_deadline": "when an offer must be answered, like 23:59 on Wednesday 16 June 2021",
    "programme_name": "the programme's name",
    "organisation_name": "the organisation's name",
    "contact_name": "the edition's contact person",
    "contact_email": "the edition's contact email address",
}
PLACEHOLDER = re.compile(r"{{\s*([A-Za-z_][A-Za-z0-9_]*)\s*}}")
TEMPLATE_SYNTAX = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}|{{|}}|{%|%}|{#|#}", re.DOTALL)
# What the shipped templates in templates/emails/ write, as placeholders.
TEMPLATE_VARIABLES = {
    "edition.name": "edition_name",
    "edition.contact_name": "contact_name",
    "edition.contact_email": "contact_email",
    "offer_deadline": "offer_deadline",
}
OFFER_DEADLINE_FORMAT = "%H:%M on %A %-d %B %Y"


def wording_errors(text: str) -> list[str]:
    """Why this wording cannot be saved: anything in braces that is not a known placeholder."""
    errors = []
    for match in TEMPLATE_SYNTAX.finditer(text):
        placeholder = PLACEHOLDER.fullmatch(match.group())
        if placeholder is None:
            errors.append(
                f"“{match.group()[:60]}” is not a placeholder: write placeholders as "
                "{{ name }}, with no dots, filters or tags."
            )
        elif placeholder[1] not in PLACEHOLDERS:
            errors.append(
                f"“{match.group()}” is not a placeholder. You can use: "
                + ", ".join(f"{{{{ {key} }}}}" for key in PLACEHOLDERS)
                + "."
            )
    return list(dict.fromkeys(errors))


def wording_render(text: str, values: dict[str, str], *, html: bool = False) -> str:
    """The wording with each placeholder replaced by its value (escaped for HTML bodies).
    Nothing else in it is interpreted; anything else in braces is left out."""

    def value(match):
        placeholder = PLACEHOLDER.fullmatch(match.group())
        if placeholder is None or placeholder[1] not in PLACEHOLDERS:
            return ""  # wording stored before the form checked it: print nothing for it
        got = values.get(placeholder[1], "")
        return escape(got) if html else got

    return TEMPLATE_SYNTAX.sub(value, text)


def wording_from_template(source: str) -> str:
    """A shipped template's source as placeholder wording (`{{ edition.name }}` becomes
    `{{ edition_name }}`, the offer deadline's date filter is dropped)."""

    def placeholder(match):
        variable = match[1]
        return "{{ " + TEMPLATE_VARIABLES.get(variable, variable) + " }}"

    return re.sub(r"{{\s*([\w.]+)\s*(?:\|[^}]*)?}}", placeholder, source)


def default_wording(decision: str) -> dict:
    """The wording shipped in templates/emails/, as placeholders, a starting point for edits."""
    from django.template.loader import get_template

    def source(name):
        text = get_template(f"emails/decision_{decision}.{name}", using="text").template.source
        return wording_from_template(text.strip())

    return {"subject": source("subject.txt"), "body_text": source("txt")}


def outcome_values(application: Application, *, offer_url: str) -> dict[str, str]:
    """The placeholders' values for one application: plain strings only."""
    edition = application.edition
    deadline = application.offer_deadline or edition.offer_response_deadline
    return {
        "name": application.applicant.first_name or application.applicant.email,
        "reference_number": application.reference_number,
        "edition_name": edition.name,
        "offer_url": offer_url,
        "offer_deadline": (
            timezone.localtime(deadline).strftime(OFFER_DEADLINE_FORMAT) if deadline else ""
        ),
        "programme_name": settings.PANITCH_PROGRAMME_NAME,
        "organisation_name": settings.PANITCH_ORGANISATION_NAME,
        "contact_name": edition.contact_name,
        "contact_email": edition.contact_email,
    }


class OutcomeRenderer:
    """Renders outcome emails: staff's wording where there is one (placeholders only), the
    shipped templates otherwise."""

    def __init__(self, wordings: dict[str, OutcomeEmail] | None = None):
        if wordings is None:
            wordings = {w.decision: w for w in OutcomeEmail.objects.all()}
        self.wordings = wordings
        self.offer_url = settings.PANITCH_BASE_URL + reverse("applications:offer")

    def render(self, application: Application) -> dict:
        wording = self.wordings.get(application.decision)
        if wording is None:
            context = outbox.email_context(
                name=application.applicant.first_name or application.applicant.email,
                edition=application.edition,
                application=application,
                offer_url=self.offer_url,
                offer_deadline=application.offer_deadline
                or application.edition.offer_response_deadline,
            )
            subject, text, html = outbox.render(
                template=f"decision_{application.decision}", context=context
            )
            return {"subject": subject, "text": text, "html": html}
        values = outcome_values(application, offer_url=self.offer_url)
        subject = " ".join(wording_render(wording.subject, values).split())
        text = wording_render(wording.body_text, values).strip() + "\n"
        if wording.body_html:
            body = wording_render(wording.body_html, values, html=True)
        else:
            body = linebreaks(escape(text))
        html = render_to_string(
            "emails/wrapper.html",
            {**outbox.email_context(), "body": body, "subject": subject},
        )
        return {"subject": subject, "text": text, "html": html}


def outcome_email_for(application: Application, *, wording: OutcomeEmail | None = None) -> dict:
    """Subject and bodies of this application's outcome email, from the editable wording."""
    wordings = {wording.decision: wording} if wording else None
    return OutcomeRenderer(wordings).render(application)


def decisions_release(
    *, edition: Edition, by: User | None = None, at: dt.datetime | None = None
) -> DecisionRelease:
    """Release the edition's decisions: one outcome email per submitted application, ever.

    Safe to run twice and from two places at once: the edition row is locked, the release row is
    unique per edition, and each email's outbox key is unique per application. Holding the
    edition's lock, it reads the decisions after every change that locked it first has
    committed, and `decision_record` waits for it and then refuses: what is sent is what is
    recorded.
    """
    at = at or timezone.now()
    with transaction.atomic():
        edition = Edition.objects.select_for_update().get(pk=edition.pk)
        existing = DecisionRelease.objects.filter(edition=edition).first()
        if existing:
            return existing
        missing = list(decisions_missing(edition=edition).select_related("edition"))
        if missing:
            raise ReleaseBlocked(missing)
        applications = list(
            Application.objects.filter(edition=edition, status=ApplicationStatus.SUBMITTED)
            .select_related("applicant", "edition")
            .order_by("pk")
        )
        offer_deadline = max(edition.offer_response_deadline, at + dt.timedelta(days=1))
        Application.objects.filter(
            edition=edition, status=ApplicationStatus.SUBMITTED, decision=Decision.ACCEPTED
        ).update(offer_status=OfferStatus.OFFERED, offered_at=at, offer_deadline=offer_deadline)
        renderer = OutcomeRenderer()
        emails = []
        for application in applications:
            if application.decision == Decision.ACCEPTED:
                application.offer_deadline = offer_deadline
            emails.append(
                {
                    "kind": f"decision_{application.decision}",
                    "to": application.applicant.email,
                    "key": f"decision:{edition.pk}:{application.pk}",
                    **renderer.render(application),
                }
            )
        queued = outbox.queue_many(emails)
        return DecisionRelease.objects.create(
            edition=edition, released_at=at, released_by=by, emails_queued=queued
        )


def release_due(*, at: dt.datetime | None = None) -> list[DecisionRelease]:
    """Beat: release every edition whose moment has come; warn admins about what blocks it."""
    at = at or timezone.now()
    released, errors = [], []
    for edition in Edition.objects.filter(decisions_release_at__lte=at, release__isnull=True):
        try:
            released.append(decisions_release(edition=edition, at=at))
        except ReleaseBlocked as blocked:
            with transaction.atomic():
                _warn_missing(edition=edition, missing=blocked.missing, moment="at-release")
        except Exception as error:  # noqa: BLE001 - one edition's failure stops no other's
            logger.exception("Releasing %s failed", edition)
            errors.append(error)
    soon = at + dt.timedelta(days=WARN_DAYS_BEFORE)
    for edition in Edition.objects.filter(
        decisions_release_at__gt=at, decisions_release_at__lte=soon, release__isnull=True
    ):
        missing = list(decisions_missing(edition=edition).select_related("edition"))
        if missing:
            with transaction.atomic():
                _warn_missing(edition=edition, missing=missing, moment="before")
    if errors:
        raise errors[0]
    return released


# Offers


@transaction.atomic
def offer_respond(
    *, application: Application, by: User, accept: bool, weekend: str = ""
) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.applicant_id != by.pk:
        raise ValidationError("Only the applicant can answer this offer.")
    if application.offer_status != OfferStatus.OFFERED:
        raise ValidationError("There is no open offer to answer.")
    now = timezone.now()
    if application.offer_deadline and now > application.offer_deadline:
        raise ValidationError("The deadline to answer this offer has passed.")
    if accept and weekend not in ConfirmedWeekend.values:
        raise ValidationError({"weekend": "Tell us which weekend you can come to."})
    application.offer_status = OfferStatus.CONFIRMED if accept else OfferStatus.DECLINED
    application.confirmed_weekend = weekend if accept else ""
    application.offer_responded_at = now
    application.save(
        update_fields=["offer_status", "confirmed_weekend", "offer_responded_at", "updated_at"]
    )
    return application


def offers_lapse(*, at: dt.datetime | None = None) -> int:
    at = at or timezone.now()
    return Application.objects.filter(
        offer_status=OfferStatus.OFFERED, offer_deadline__lt=at
    ).update(offer_status=OfferStatus.LAPSED)


@transaction.atomic
def place_give_up(*, application: Application, by: User) -> Application:
    """A confirmed place is given up (the participant left the programme): the place is free for
    the waitlist, and the application says so rather than that the offer was declined."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.offer_status == OfferStatus.WITHDRAWN:
        return application
    if application.offer_status != OfferStatus.CONFIRMED:
        raise ValidationError("Only a confirmed place can be given up.")
    application.offer_status = OfferStatus.WITHDRAWN
    application.save(update_fields=["offer_status", "updated_at"])
    return application


def places_free(*, edition: Edition) -> int:
    """Places not taken: capacity minus offers that are open or confirmed."""
    taken = Application.objects.filter(
        edition=edition, offer_status__in=[OfferStatus.OFFERED, OfferStatus.CONFIRMED]
    ).count()
    return max(edition.places - taken, 0)


@transaction.atomic
def waitlist_offer_next(*, edition: Edition, by: User) -> Application | None:
    """Offer a freed place to the top of the waitlist: decision changes, offer email once."""
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    if not DecisionRelease.objects.filter(edition=edition).exists():
        raise ValidationError("Places are offered from the waitlist only after release.")
    if places_free(edition=edition) == 0:
        raise ValidationError("No place is free: every place is offered or confirmed.")
    application = (
        Application.objects.select_for_update()
        .filter(edition=edition, decision=Decision.WAITLISTED, status=ApplicationStatus.SUBMITTED)
        .order_by("waitlist_rank", "pk")
        .select_related("applicant", "edition")
        .first()
    )
    if application is None:
        raise ValidationError("Nobody is left on the waitlist.")
    now = timezone.now()
    application.decision = Decision.ACCEPTED
    application.waitlist_rank = None
    application.decided_by = by
    application.decided_at = now
    application.offer_status = OfferStatus.OFFERED
    application.offered_at = now
    application.offer_deadline = max(
        edition.offer_response_deadline, now + dt.timedelta(days=MIN_OFFER_DAYS)
    )
    application.save(
        update_fields=[
            "decision",
            "waitlist_rank",
            "decided_by",
            "decided_at",
            "offer_status",
            "offered_at",
            "offer_deadline",
            "updated_at",
        ]
    )
    DecisionChange.objects.create(
        application=application,
        decision=Decision.ACCEPTED,
        changed_by=by,
        changed_at=now,
        note="Offered a freed place from the waitlist",
    )
    outbox.queue(
        kind="offer_from_waitlist",
        to=application.applicant.email,
        key=f"offer_from_waitlist:{application.pk}",
        template="offer_from_waitlist",
        context={
            "name": application.applicant.first_name or application.applicant.email,
            "edition": edition,
            "offer_url": settings.PANITCH_BASE_URL + reverse("applications:offer"),
            "offer_deadline": application.offer_deadline,
        },
    )
    return application


def offer_reminders(*, at: dt.datetime | None = None) -> int:
    """Remind people with an open offer, at each configured point before their deadline, once."""
    at = at or timezone.now()
    sent = 0
    offers = Application.objects.filter(
        offer_status=OfferStatus.OFFERED, offer_deadline__gt=at
    ).select_related("applicant", "edition")
    for application in offers:
        due = [
            days
            for days in settings.OFFER_REMINDER_DAYS
            if application.offer_deadline - dt.timedelta(days=days) <= at
            and application.offered_at < application.offer_deadline - dt.timedelta(days=days)
        ]
        if not due:
            continue
        key = f"offer_reminder:{application.pk}:{min(due)}"
        if OutboxEmail.objects.filter(idempotency_key=key).exists():
            continue
        with transaction.atomic():
            outbox.queue(
                kind="offer_reminder",
                to=application.applicant.email,
                key=key,
                template="offer_reminder",
                context={
                    "name": application.applicant.first_name or application.applicant.email,
                    "edition": application.edition,
                    "offer_url": settings.PANITCH_BASE_URL + reverse("applications:offer"),
                    "offer_deadline": application.offer_deadline,
                },
            )
        sent += 1
    return sent


def release_emails(*, edition: Edition):
    """The outcome emails of an edition's release."""
    return OutboxEmail.objects.filter(idempotency_key__startswith=f"decision:{edition.pk}:")


def release_counts(*, edition: Edition) -> dict:
    """The release's outcome emails by state: queued (never tried yet), claimed (a worker is
    sending them), sent, retrying (failed, next attempt due), failed; with the latest error
    and the next attempt due, and `pending` (queued + retrying) for short summaries."""
    from django.db.models import Count, Max, Min, Q

    rows = release_emails(edition=edition)
    waiting = Q(status=EmailStatus.PENDING)
    counts = rows.aggregate(
        queued=Count("pk", filter=waiting & Q(attempts=0)),
        claimed=Count("pk", filter=Q(status=EmailStatus.CLAIMED)),
        sent=Count("pk", filter=Q(status=EmailStatus.SENT)),
        retrying=Count("pk", filter=waiting & Q(attempts__gt=0)),
        failed=Count("pk", filter=Q(status=EmailStatus.FAILED)),
        next_attempt_at=Min("next_attempt_at", filter=waiting),
        last_failed_at=Max("first_failed_at"),
    )
    counts["pending"] = counts["queued"] + counts["retrying"]
    last = (
        rows.exclude(last_error="")
        .exclude(status=EmailStatus.SENT)
        .order_by("-next_attempt_at")
        .values_list("last_error", flat=True)
        .first()
    )
    counts["last_error"] = last or ""
    del counts["last_failed_at"]
    return counts


def release_resend_failed(*, edition: Edition) -> int:
    failed = list(release_emails(edition=edition).filter(status="failed"))
    for email in failed:
        outbox.resend(email=email)
    return len(failed)


def offer_counts(*, edition: Edition) -> dict:
    from django.db.models import Count

    counts = dict(
        Application.objects.filter(edition=edition)
        .exclude(offer_status="")
        .values_list("offer_status")
        .annotate(n=Count("pk"))
    )
    waitlist = Application.objects.filter(
        edition=edition, decision=Decision.WAITLISTED, status=ApplicationStatus.SUBMITTED
    ).count()
    return {
        **{status: counts.get(status, 0) for status in OfferStatus.values},
        "waitlist": waitlist,
    }
