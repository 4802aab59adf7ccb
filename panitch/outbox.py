"""The email outbox: every email is a row before it is a message.

`queue` writes the row inside the caller's transaction and asks Celery to deliver it once
that transaction commits. `deliver` sends rows while holding their row lock, so two workers
never send the same row and a worker that dies mid-send leaves the row pending for the sweep.
"""

import datetime as dt
import logging
import smtplib
from contextlib import suppress

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .enums import EmailStatus
from .models import OutboxEmail

logger = logging.getLogger(__name__)

SWEEP_GRACE = dt.timedelta(seconds=60)
MAX_BACKOFF = dt.timedelta(hours=1)


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
) -> OutboxEmail:
    """Put one email in the outbox; the same key always means the same, single email.

    Give a template (rendered now, so the row holds exactly what is sent) or the rendered
    subject and bodies. Attachments are text files: dicts of filename, mimetype and content
    (an .ics invitation, say), stored on the row so a retry sends exactly the same message.
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
        },
    )
    if created:
        enqueue(email_ids=[email.pk])
    return email


def enqueue(*, email_ids: list[int]) -> None:
    """Ask a worker to deliver these rows once the current transaction commits."""
    from .tasks import outbox_send

    transaction.on_commit(lambda: outbox_send.delay(email_ids=list(email_ids)))


@transaction.atomic
def resend(*, email: OutboxEmail) -> OutboxEmail:
    """Give a failed email another full set of attempts."""
    email = OutboxEmail.objects.select_for_update().get(pk=email.pk)
    if email.status != EmailStatus.FAILED:
        return email
    email.status = EmailStatus.PENDING
    email.attempts = 0
    email.next_attempt_at = timezone.now()
    email.save(update_fields=["status", "attempts", "next_attempt_at"])
    enqueue(email_ids=[email.pk])
    return email


def is_transient(exc: Exception) -> bool:
    """4xx SMTP replies and lost connections are worth another try; 5xx replies are not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, (smtplib.SMTPServerDisconnected, OSError))


def backoff(attempts: int) -> dt.timedelta:
    delay = dt.timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return min(delay, MAX_BACKOFF)


def as_message(email: OutboxEmail, *, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers={"X-Panitch-Email": email.idempotency_key},
        connection=connection,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    for attachment in email.attachments:
        message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    return message


def deliver(*, email_ids: list[int]) -> list[int]:
    """Send the pending rows among email_ids over one connection.

    Returns the ids that failed transiently and should be tried again later.
    """
    connection = get_connection(fail_silently=False)
    retry = []
    try:
        for pk in email_ids:
            if _deliver_one(pk, connection=connection):
                retry.append(pk)
    finally:
        with suppress(Exception):
            connection.close()
    return retry


class _SendFailed(Exception):
    """Carries a failed send out of the transaction that claimed the row, rolling it back."""


def _claim(pk: int) -> tuple[str, list]:
    """One statement that locks the row if it is pending (skipping it if another worker holds
    it), counts the attempt and marks it sent, and returns it: the row as it will be once
    committed. Nothing if the row is gone, not pending, or held by another worker."""
    quote = db_connection.ops.quote_name
    meta = OutboxEmail._meta
    table, id_ = quote(meta.db_table), quote(meta.pk.column)
    status, sent_at, attempts = (
        quote(meta.get_field(name).column) for name in ("status", "sent_at", "attempts")
    )
    now = timezone.now()
    if db_connection.features.has_select_for_update_skip_locked:
        # The row is found by its key alone and its status checked once it is locked, so the
        # plan never hinges on the table's statistics: right after a release inserts thousands
        # of rows they are stale, and the status index can look as cheap as the key while
        # costing a scan of every pending row.
        return (
            f"WITH claimed AS (SELECT {id_}, {status} FROM {table} WHERE {id_} = %s "
            f"FOR UPDATE SKIP LOCKED) "
            f"UPDATE {table} SET {status} = %s, {sent_at} = %s, {attempts} = {attempts} + 1 "
            f"FROM claimed WHERE {table}.{id_} = claimed.{id_} AND claimed.{status} = %s "
            f"RETURNING {table}.*",
            [pk, EmailStatus.SENT, now, EmailStatus.PENDING],
        )
    # SQLite: no row locks; a writing transaction holds the whole database.
    return (
        f"UPDATE {table} SET {status} = %s, {sent_at} = %s, {attempts} = {attempts} + 1 "
        f"WHERE {id_} = %s AND {status} = %s RETURNING *",
        [EmailStatus.SENT, now, pk, EmailStatus.PENDING],
    )


def _deliver_one(pk: int, *, connection) -> bool:
    """Send one pending row while holding its lock; True if it failed transiently.

    The row is claimed, locked and marked sent in the transaction that sends it, which
    commits only once the message is accepted. If the send fails, or the worker dies during
    it, that transaction rolls back and the row is pending and untouched, as before; a
    failure is then recorded in a transaction of its own. One statement for the claim and
    one commit keep the round trips per email to the few a send needs.
    """
    try:
        with transaction.atomic():
            email = next(iter(OutboxEmail.objects.raw(*_claim(pk))), None)
            if email is None:
                return False  # gone, already sent or failed, or another worker holds it
            try:
                connection.open()
                as_message(email, connection=connection).send()
            except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
                raise _SendFailed from exc
    except _SendFailed as failed:
        with suppress(Exception):
            connection.close()
        return _record_failure(pk, failed.__cause__)
    return False


@transaction.atomic
def _record_failure(pk: int, exc: Exception) -> bool:
    """Count a failed attempt on the row; True if it is worth another try later."""
    # Found by its key alone and its status checked once locked, as in _claim.
    locked = OutboxEmail.objects.select_for_update(skip_locked=True).filter(pk=pk)
    email = locked.order_by("pk").first()
    if email is None or email.status != EmailStatus.PENDING:
        return False  # another worker took it in the meantime and records its own outcome
    email.attempts += 1
    email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    retry = is_transient(exc) and email.attempts < settings.OUTBOX_MAX_ATTEMPTS
    if retry:
        email.next_attempt_at = timezone.now() + backoff(email.attempts)
    else:
        email.status = EmailStatus.FAILED
        logger.warning("Outbox email %s failed: %s", email.pk, email.last_error)
    email.save(update_fields=["attempts", "last_error", "next_attempt_at", "status"])
    return retry


def sweep(*, batch_size: int = 50) -> int:
    """Enqueue rows that are due but were never picked up (lost enqueue, dead worker)."""
    ids = list(
        OutboxEmail.objects.due(at=timezone.now() - SWEEP_GRACE)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:5000]
    )
    for start in range(0, len(ids), batch_size):
        enqueue(email_ids=ids[start : start + batch_size])
    return len(ids)


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
