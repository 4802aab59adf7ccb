"""The email outbox: every email is a row before it is a message.

`queue` writes the row inside the caller's transaction and asks Celery to deliver it once
that transaction commits. Every row gets its Message-ID when it is made (derived from its
key), so every attempt sends the same message.

`deliver` never holds a transaction open while it talks to the mail server:

1. claim: one short, committed transaction moves the batch's due, pending rows to `claimed`,
   with who claimed them and when (rows another worker has locked are skipped);
2. send each claimed row over one SMTP connection;
3. record the outcome in short transactions of their own: sent rows in groups, failed rows
   back to pending with their next attempt due after a backoff (or failed for good).

A worker that dies or hangs between 1 and 3 leaves its rows claimed; the sweep takes back
claims older than OUTBOX_CLAIM_TIMEOUT_SECONDS and sends them again, with the same
Message-ID, so the only possible duplicate (a message the server accepted just before the
worker died) folds into one in the recipient's mail program. SMTP has no two-phase commit.
"""

import datetime as dt
import hashlib
import logging
import os
import smtplib
import socket
import time
import uuid
from collections import defaultdict
from contextlib import suppress

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Case, F, JSONField, Min, TextField, Value, When
from django.db.models.functions import Coalesce, Concat
from django.template.loader import render_to_string
from django.utils import timezone

from .enums import EmailStatus, Role
from .models import OutboxEmail

logger = logging.getLogger(__name__)

REDACTED = "[Removed once sent: this email carried a sign-in secret or a private link.]"
# The warning that emails are failing: sent through the fallback server when there is one.
FAILING_KIND = "outbox_failing"
FAILING_CACHE_KEY = "panitch:outbox:failing"
# A worker sending a long batch records what it sent and renews its claim this often.
HEARTBEAT_SECONDS = 5.0


def email_context(**context) -> dict:
    """What every email template may use, plus the caller's own values."""
    return {
        "base_url": settings.PANITCH_BASE_URL,
        "organisation_name": settings.PANITCH_ORGANISATION_NAME,
        "programme_name": settings.PANITCH_PROGRAMME_NAME,
        "contact_email": settings.PANITCH_CONTACT_EMAIL,
        **context,
    }


def render(*, template: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML bodies from templates/emails/<template>.{subject.txt,txt,html}."""
    context = email_context(**context)
    subject = render_to_string(f"emails/{template}.subject.txt", context, using="text")
    text = render_to_string(f"emails/{template}.txt", context, using="text")
    html = render_to_string(f"emails/{template}.html", context)
    return " ".join(subject.split()), text.strip() + "\n", html


def message_id_for(key: str) -> str:
    """The Message-ID of the email with this key: the same on every attempt, and unique."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"<{digest}@{settings.OUTBOX_MESSAGE_ID_DOMAIN}>"


def is_sensitive_kind(kind: str) -> bool:
    return kind in settings.OUTBOX_SENSITIVE_KINDS


def queue(
    *,
    kind: str,
    to: str,
    key: str,
    template: str | None = None,
    context: dict | None = None,
    subject: str = "",
    text: str = "",
    html: str = "",
    reply_to: str = "",
    attachments: list[dict] | None = None,
    sensitive: bool = False,
) -> OutboxEmail:
    """Put one email in the outbox; the same key always means the same, single email.

    Give a template (rendered now, so the row holds exactly what is sent) or the rendered
    subject and bodies. Attachments are text files: dicts of filename, mimetype and content
    (an .ics invitation, say), stored on the row so a retry sends exactly the same message.
    `sensitive` marks a body that carries an authentication secret (kinds listed in
    OUTBOX_SENSITIVE_KINDS are always sensitive): only superusers can read it, and it is
    blanked once sent.
    """
    if template:
        subject, text, html = render(template=template, context=context or {})
    email, created = OutboxEmail.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "kind": kind,
            "to": to,
            "reply_to": reply_to,
            "subject": subject[:255],
            "body_text": text,
            "body_html": html,
            "attachments": attachments or [],
            "message_id": message_id_for(key),
            "sensitive": sensitive or is_sensitive_kind(kind),
        },
    )
    if created:
        enqueue(email_ids=[email.pk])
    return email


def queue_many(emails: list[dict], *, batch_size: int = 100) -> int:
    """Put many emails in the outbox at once (same fields as `queue`, already rendered).

    Rows whose key exists already are left alone, so running this twice adds nothing. Returns
    how many rows are new.
    """
    new_ids = []
    for start in range(0, len(emails), 2000):
        chunk = emails[start : start + 2000]
        keys = [email["key"] for email in chunk]
        existing = set(
            OutboxEmail.objects.filter(idempotency_key__in=keys).values_list(
                "idempotency_key", flat=True
            )
        )
        OutboxEmail.objects.bulk_create(
            [
                OutboxEmail(
                    kind=email["kind"],
                    to=email["to"],
                    reply_to=email.get("reply_to", ""),
                    subject=email["subject"][:255],
                    body_text=email["text"],
                    body_html=email.get("html", ""),
                    attachments=email.get("attachments", []),
                    idempotency_key=email["key"],
                    message_id=message_id_for(email["key"]),
                    sensitive=email.get("sensitive", False) or is_sensitive_kind(email["kind"]),
                )
                for email in chunk
                if email["key"] not in existing
            ],
            ignore_conflicts=True,
        )
        new_keys = [key for key in keys if key not in existing]
        new_ids += OutboxEmail.objects.filter(
            idempotency_key__in=new_keys, status=EmailStatus.PENDING
        ).values_list("pk", flat=True)
    new_ids.sort()
    for start in range(0, len(new_ids), batch_size):
        enqueue(email_ids=new_ids[start : start + batch_size])
    return len(new_ids)


def enqueue(
    *, email_ids: list[int], countdown: float | None = None, queue: str | None = None
) -> None:
    """Ask a worker to deliver these rows once the current transaction commits."""
    from .tasks import outbox_send

    ids = list(email_ids)
    options = {"queue": queue} if queue else {}
    transaction.on_commit(
        lambda: outbox_send.apply_async(kwargs={"email_ids": ids}, countdown=countdown, **options)
    )


@transaction.atomic
def resend(*, email: OutboxEmail) -> OutboxEmail:
    """Give a failed email another full day of attempts."""
    email = OutboxEmail.objects.select_for_update().get(pk=email.pk)
    if email.status != EmailStatus.FAILED:
        return email
    email.status = EmailStatus.PENDING
    email.attempts = 0
    email.first_failed_at = None
    email.next_attempt_at = timezone.now()
    email.save(update_fields=["status", "attempts", "first_failed_at", "next_attempt_at"])
    enqueue(email_ids=[email.pk])
    return email


# --- Timing ------------------------------------------------------------------------------------


def _scaled(seconds: float) -> dt.timedelta:
    """Retry timing, scaled by OUTBOX_TIME_SCALE (tests run a ten-minute outage in seconds)."""
    return dt.timedelta(seconds=seconds * settings.OUTBOX_TIME_SCALE)


def is_urgent(kind: str) -> bool:
    """Decision and offer emails: retried at most five minutes apart, to go out promptly."""
    return kind.startswith(tuple(settings.OUTBOX_URGENT_KIND_PREFIXES))


def backoff(attempts: int, *, kind: str = "") -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: doubling from the base, to a cap."""
    cap = (
        settings.OUTBOX_URGENT_RETRY_CAP_SECONDS
        if is_urgent(kind)
        else settings.OUTBOX_RETRY_CAP_SECONDS
    )
    exponent = min(max(attempts - 1, 0), 30)
    return _scaled(min(settings.OUTBOX_RETRY_BASE_SECONDS * 2**exponent, cap))


def claim_timeout() -> dt.timedelta:
    """How old a claim may grow before the sweep takes the row back (not scaled: it follows
    the SMTP timeout, which is real time)."""
    return dt.timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)


def is_transient(exc: Exception) -> bool:
    """4xx SMTP replies and lost connections are worth another try; 5xx replies are not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, (smtplib.SMTPServerDisconnected, OSError))


def _server_unavailable(exc: Exception) -> bool:
    """The server is down, unreachable or closing: every other message would fail alike.
    (smtplib's errors are OSErrors too; a refused recipient or message is about that one.)"""
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == 421 or isinstance(exc, smtplib.SMTPConnectError)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


# --- Sending -----------------------------------------------------------------------------------


def as_message(email: OutboxEmail, *, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers={
            "Message-ID": email.message_id or message_id_for(email.idempotency_key),
            "X-Panitch-Email": email.idempotency_key,
        },
        connection=connection,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    for attachment in email.attachments:
        message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    return message


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(*, email_ids: list[int], at: dt.datetime | None = None) -> tuple[str, list]:
    """Claim the due, pending rows among email_ids for this attempt, and commit the claim.

    Returns the claim's token (who claimed, and which claim) and the claimed rows. Rows
    another worker has locked, rows not pending and rows not yet due are left alone, so a
    row is in at most one attempt at a time and a retry never comes early.
    """
    at = at or timezone.now()
    token = f"{_worker_name()}:{uuid.uuid4().hex[:8]}"
    with transaction.atomic():
        # Found by their keys alone, their status checked once locked: right after a release
        # inserts thousands of rows the statistics are stale, and a plan through the status
        # index could cost a scan of every pending row.
        rows = (
            OutboxEmail.objects.select_for_update(skip_locked=True)
            .filter(pk__in=email_ids)
            .values_list("pk", "status", "next_attempt_at")
        )
        ids = [pk for pk, status, due in rows if status == EmailStatus.PENDING and due <= at]
        if not ids:
            return token, []
        OutboxEmail.objects.filter(pk__in=ids).update(
            status=EmailStatus.CLAIMED,
            claimed_at=at,
            claimed_by=token,
            attempts=F("attempts") + 1,
        )
    return token, list(OutboxEmail.objects.filter(pk__in=ids).order_by("pk"))


def _fallback_connection():
    config = settings.EMAIL_FALLBACK
    return get_connection(
        config["EMAIL_BACKEND"],
        fail_silently=False,
        host=config.get("EMAIL_HOST"),
        port=config.get("EMAIL_PORT"),
        username=config.get("EMAIL_HOST_USER") or None,
        password=config.get("EMAIL_HOST_PASSWORD") or None,
        use_tls=config.get("EMAIL_USE_TLS", False),
        use_ssl=config.get("EMAIL_USE_SSL", False),
        timeout=settings.EMAIL_TIMEOUT,
    )


def _route(email: OutboxEmail) -> str:
    if email.kind == FAILING_KIND and settings.EMAIL_FALLBACK:
        return "fallback"
    return "default"


def deliver(*, email_ids: list[int]) -> list[int]:
    """Claim and send the due, pending rows among email_ids, one SMTP connection per server.

    Returns the ids that failed transiently and are due to be tried again later.
    """
    token, emails = claim(email_ids=email_ids)
    if not emails:
        return []
    connections, down = {}, {}
    sent, failed, retry = [], [], []
    held = {email.pk for email in emails}  # still claimed by this attempt
    flushed_at = time.monotonic()
    try:
        for email in emails:
            if email.pk not in held:
                continue  # the sweep took it back: another attempt sends it
            route = _route(email)
            if route in down:
                failed.append((email, down[route]))
                continue
            if route not in connections:
                connections[route] = (
                    _fallback_connection()
                    if route == "fallback"
                    else get_connection(fail_silently=False)
                )
            connection = connections[route]
            try:
                connection.open()
                as_message(email, connection=connection).send()
            except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
                with suppress(Exception):
                    connection.close()
                if _server_unavailable(exc):
                    down[route] = exc  # the rest of the batch waits for the server, untried
                failed.append((email, exc))
                continue
            sent.append(email.pk)
            held.discard(email.pk)
            if (
                len(sent) >= settings.OUTBOX_MARK_SENT_EVERY
                or time.monotonic() - flushed_at >= HEARTBEAT_SECONDS
            ):
                held = _mark_sent(sent, token=token, held=held)
                sent, flushed_at = [], time.monotonic()
    finally:
        # Reached unless the process dies; then the claims expire and the sweep resends.
        if sent:
            _mark_sent(sent, token=token, held=set())
        if failed:
            retry = _record_failures(failed, token=token)
        for connection in connections.values():
            with suppress(Exception):
                connection.close()
    return retry


def _mark_sent(ids: list[int], *, token: str, held: set[int]) -> set[int]:
    """Record sent rows in one statement (a body carrying a secret is blanked as it is), and
    renew the claim on the rows of the batch still to send, so a slow but live worker's
    claim never looks expired. Returns the rows still claimed by this attempt."""
    with transaction.atomic():
        updated = OutboxEmail.objects.filter(
            pk__in=ids, status=EmailStatus.CLAIMED, claimed_by=token
        ).update(
            status=EmailStatus.SENT,
            sent_at=timezone.now(),
            claimed_at=None,
            claimed_by="",
            body_text=Case(
                When(sensitive=True, then=Value(REDACTED, output_field=TextField())),
                default=F("body_text"),
            ),
            body_html=Case(
                When(sensitive=True, then=Value("", output_field=TextField())),
                default=F("body_html"),
            ),
            attachments=Case(
                When(sensitive=True, then=Value([], output_field=JSONField())),
                default=F("attachments"),
            ),
        )
        still = OutboxEmail.objects.filter(
            pk__in=held, status=EmailStatus.CLAIMED, claimed_by=token
        )
        renewed = still.update(claimed_at=timezone.now()) if held else 0
        if renewed != len(held):
            held = set(still.values_list("pk", flat=True))
    if updated != len(ids):
        # The sweep took these claims back (the worker was too slow): they are sent again
        # with the same Message-ID, and that attempt records its own outcome.
        logger.warning("Outbox: %s sent row(s) had lost their claim", len(ids) - updated)
    return held


def _record_failures(failed: list[tuple[OutboxEmail, Exception]], *, token: str) -> list[int]:
    """Each failed row back to pending, due after its backoff, or failed for good when the
    error is permanent or it has been failing for OUTBOX_GIVE_UP_AFTER_SECONDS. Rows with the
    same outcome are written in one statement (an outage fails whole batches alike)."""
    now = timezone.now()
    give_up_after = _scaled(settings.OUTBOX_GIVE_UP_AFTER_SECONDS)
    groups = defaultdict(list)
    for email, exc in failed:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        first_failed = email.first_failed_at or now
        if is_transient(exc) and now - first_failed < give_up_after:
            outcome = (EmailStatus.PENDING, now + backoff(email.attempts, kind=email.kind), error)
        else:
            outcome = (EmailStatus.FAILED, now, error)
            logger.warning("Outbox email %s failed: %s", email.pk, error)
        groups[outcome].append(email.pk)
    retry = []
    for (status, next_attempt_at, error), ids in groups.items():
        OutboxEmail.objects.filter(pk__in=ids, status=EmailStatus.CLAIMED, claimed_by=token).update(
            status=status,
            next_attempt_at=next_attempt_at,
            last_error=error,
            first_failed_at=Coalesce(F("first_failed_at"), Value(now)),
            claimed_at=None,
            claimed_by="",
        )
        if status == EmailStatus.PENDING:
            retry += ids
    return retry


def schedule_retries(*, email_ids: list[int], queue: str | None = None) -> None:
    """A task per group of rows due at the same moment, when that moment is near enough for
    the broker to hold the task (see CELERY_BROKER_TRANSPORT_OPTIONS); later ones, and any
    task lost, are the sweep's."""
    if not email_ids:
        return
    now = timezone.now()
    horizon = dt.timedelta(seconds=settings.OUTBOX_RETRY_TASK_HORIZON_SECONDS)
    due = defaultdict(list)
    for pk, at in OutboxEmail.objects.filter(
        pk__in=email_ids, status=EmailStatus.PENDING
    ).values_list("pk", "next_attempt_at"):
        if at - now <= horizon:
            due[at].append(pk)
    for at, ids in due.items():
        enqueue(email_ids=ids, countdown=max((at - now).total_seconds(), 0), queue=queue)


# --- The sweep ---------------------------------------------------------------------------------


def take_back_expired_claims(*, at: dt.datetime | None = None) -> list[int]:
    """Claims older than the timeout belong to a worker that died or hangs: pending again,
    due now, to be sent with the same Message-ID."""
    at = at or timezone.now()
    expired = OutboxEmail.objects.claims_expired(before=at - claim_timeout())
    ids = list(expired.values_list("pk", flat=True)[:5000])
    if ids:
        OutboxEmail.objects.claims_expired(before=at - claim_timeout()).filter(pk__in=ids).update(
            status=EmailStatus.PENDING,
            next_attempt_at=at,
            last_error=Concat(
                Value("The claim by "),
                F("claimed_by"),
                Value(" expired; sending again with the same Message-ID."),
                output_field=TextField(),
            ),
            claimed_at=None,
            claimed_by="",
        )
        logger.warning("Outbox: took back %s expired claim(s)", len(ids))
    return ids


def sweep(*, batch_size: int = 50) -> int:
    """Beat, every minute, on a queue of its own: take back expired claims, enqueue rows
    that are due but whose task never came (lost enqueue, dead worker, later retry), and
    warn programme admins when emails have been failing for a while."""
    now = timezone.now()
    taken_back = take_back_expired_claims(at=now)
    grace = dt.timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS)
    due = list(
        OutboxEmail.objects.due(at=now - grace)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:5000]
    )
    ids = sorted(set(taken_back) | set(due))
    for start in range(0, len(ids), batch_size):
        enqueue(email_ids=ids[start : start + batch_size])
    warn_if_failing(at=now)
    return len(ids)


# --- Warning staff -----------------------------------------------------------------------------


def failing(*, at: dt.datetime | None = None) -> dict | None:
    """Emails still being retried after failing for OUTBOX_WARN_AFTER_SECONDS or more:
    {"count", "since"}, or None."""
    at = at or timezone.now()
    retrying = OutboxEmail.objects.filter(
        status__in=[EmailStatus.PENDING, EmailStatus.CLAIMED], first_failed_at__isnull=False
    ).exclude(kind=FAILING_KIND)
    stuck = retrying.filter(first_failed_at__lte=at - _scaled(settings.OUTBOX_WARN_AFTER_SECONDS))
    summary = stuck.aggregate(since=Min("first_failed_at"))
    if summary["since"] is None:
        return None
    return {"count": retrying.count(), "since": summary["since"]}


def failing_banner() -> dict | None:
    """What the staff pages' banner shows: the last sweep's finding (no query per page)."""
    return cache.get(FAILING_CACHE_KEY)


def warn_if_failing(*, at: dt.datetime | None = None) -> dict | None:
    """Keep the banner's finding fresh and email programme admins, at most once an hour,
    through the fallback server (EMAIL_FALLBACK_URL) when there is one."""
    at = at or timezone.now()
    found = failing(at=at)
    if found is None:
        cache.delete(FAILING_CACHE_KEY)
        return None
    cache.set(FAILING_CACHE_KEY, found, timeout=max(3 * settings.OUTBOX_SWEEP_SECONDS, 180))
    recent = at - dt.timedelta(hours=1)
    if OutboxEmail.objects.filter(kind=FAILING_KIND, created_at__gte=recent).exists():
        return found
    from django.urls import reverse

    from .models import User

    admins = User.objects.filter(groups__name=Role.PROGRAMME_ADMIN.value, is_active=True).distinct()
    url = settings.PANITCH_BASE_URL + reverse("admin:panitch_outboxemail_changelist")
    with transaction.atomic():
        for admin_user in admins:
            queue(
                kind=FAILING_KIND,
                to=admin_user.email,
                key=f"{FAILING_KIND}:{at:%Y-%m-%dT%H:%M}:{admin_user.pk}",
                template=FAILING_KIND,
                context={
                    "name": admin_user.first_name or admin_user.email,
                    "count": found["count"],
                    "since": found["since"],
                    "outbox_url": url + "?status__exact=pending",
                },
            )
    return found
