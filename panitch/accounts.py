import uuid
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from . import outbox


def public_url(url: str) -> str:
    """The same address on the public base URL (links in emails never trust the request)."""
    base = urlsplit(settings.PANITCH_BASE_URL)
    parts = urlsplit(url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's emails (verification, password reset, login codes) through the outbox."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {
            key: public_url(value) if key.endswith("_url") and isinstance(value, str) else value
            for key, value in context.items()
        }
        context.setdefault("programme_name", settings.PANITCH_PROGRAMME_NAME)
        message = self._render(template_prefix, email, context)
        html = next((body for body, mime in message.alternatives if mime == "text/html"), "")
        if message.content_subtype == "html":
            html, text = message.body, ""
        else:
            text = message.body
        outbox.queue(
            kind=template_prefix.rsplit("/", 1)[-1],
            to=email,
            # Each account email is its own event (a resend is a new email), so the key is new.
            key=f"account:{template_prefix}:{uuid.uuid4()}",
            subject=message.subject,
            text=text,
            html=html,
            # Sign-in codes, reset links and confirmation keys: staff must never read them.
            sensitive=True,
        )

    def _render(self, template_prefix, email, context):
        from allauth.account.adapter import context as allauth_context
        from django.contrib.sites.shortcuts import get_current_site

        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        return self.render_mail(template_prefix, email, ctx)
