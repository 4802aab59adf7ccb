"""Small readers for pages and emails, shared by the applications tests."""

import html
import re
import time

from panitch.models import OutboxEmail


def field_errors(page: str, field_id: str) -> list[str]:
    """The messages crispy shows in the invalid-feedback block beside one field."""
    block = re.search(
        rf'<div id="id_{re.escape(field_id)}_error" class="invalid-feedback">(.*?)</div>',
        page,
        re.S,
    )
    if block is None:
        return []
    return [html.unescape(m) for m in re.findall(r"<strong>(.*?)</strong>", block.group(1))]


def outbox(kind: str) -> list[tuple[str, str]]:
    """(recipient, idempotency key) of every outbox row of one kind, sorted."""
    return sorted(
        OutboxEmail.objects.filter(kind=kind).values_list("to", "idempotency_key"),
    )


def recipients(kind: str) -> list[str]:
    return sorted(OutboxEmail.objects.filter(kind=kind).values_list("to", flat=True))


def path_of(url: str) -> str:
    """The path of an absolute link from an email, for the test client."""
    return re.sub(r"^https?://[^/]+", "", url)


def reference_link(kind: str, to: str) -> str:
    """The personal link in the email of this kind sent to this referee."""
    email = OutboxEmail.objects.get(kind=kind, to=to)
    return path_of(re.search(r"https?://\S+/reference/[^/\s]+/", email.body_text).group(0))


def wait_for(predicate, timeout=15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False
