"""allauth, made the programme's own: its emails go through the outbox in the site's branded
templates (templates/account/email/), name the site from settings and never from the request's
host, and signing up with an address that has an account does the same work as a new one."""

import uuid
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import SignupForm
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from . import outbox


def public_url(url: str) -> str:
    """The same address on the public base URL (links in emails never trust the request)."""
    base = urlsplit(settings.PANITCH_BASE_URL)
    parts = urlsplit(url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))


def site() -> SimpleNamespace:
    """What allauth's templates call the current site, from settings (issue: "Hello from
    127.0.0.1" came from the request's host)."""
    return SimpleNamespace(
        name=settings.PANITCH_PROGRAMME_NAME, domain=urlsplit(settings.PANITCH_BASE_URL).netloc
    )


def render_account_email(template_prefix: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML of one allauth email: text without HTML-escaping, the HTML in
    the branded layout (the text, paragraphed, when an email has no HTML template of its own)."""
    context = outbox.email_context(**context, current_site=site())
    subject = render_to_string(f"{template_prefix}_subject.txt", context, using="text")
    text = render_to_string(f"{template_prefix}_message.txt", context, using="text").strip()
    try:
        html = render_to_string(f"{template_prefix}_message.html", context)
    except TemplateDoesNotExist:
        html = render_to_string(
            "account/email/fallback_message.html", {**context, "text": text, "subject": subject}
        )
    return " ".join(subject.split()), text + "\n", html


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's emails (verification, password reset, login codes) through the outbox."""

    # Failed passwords lock the password out for a while, not the person: a sign-in code
    # (sent to the account's own address) still works, and the message says so.
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": (
            "Too many failed sign-in attempts. Try your password again in a few minutes, or "
            "sign in now with a code sent to your email address."
        ),
    }

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {
            key: public_url(value) if key.endswith("_url") and isinstance(value, str) else value
            for key, value in context.items()
        }
        context.pop("request", None)  # nothing in an email comes from the request
        context["email"] = email
        user = context.get("user")
        context.setdefault("name", getattr(user, "first_name", "") if user else "")
        subject, text, html = render_account_email(template_prefix, context)
        outbox.queue(
            kind=template_prefix.rsplit("/", 1)[-1],
            to=email,
            # Each account email is its own event (a resend is a new email), so the key is new.
            key=f"account:{template_prefix}:{uuid.uuid4()}",
            subject=subject,
            text=text,
            html=html,
            # Sign-in codes, reset links and confirmation keys: staff must never read them.
            sensitive=True,
        )


class PanitchSignupForm(SignupForm):
    """allauth's sign-up form, with the same work whether or not the address has an account.

    A new account hashes its password; signing up with a taken address used to skip that and
    answered twenty times faster, telling anyone who had applied to a political programme.
    """

    def try_save(self, request):
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1") or "")
        return super().try_save(request)
