"""Secrets in URLs never reach a log: referee links, reset and confirmation keys, feed tokens.

Whoever can read the logs (hosting staff, a log service) must not be able to give a reference,
reset a password or confirm an address. Every URL pattern that carries a secret is listed once
here; `redact()` applies them all, the logging filter applies it to every record the console
handler writes (django.server's access lines, django.request's "Not Found: /path"), and
gunicorn's access log uses GunicornLogger. This module imports nothing from Django's settings:
gunicorn loads it before Django is set up.
"""

import logging
import re

from gunicorn.glogging import Logger as _GunicornLogger

REDACTED = "[redacted]"

# (pattern, replacement): each pattern's group 1 is what stays; the secret after it goes.
SECRET_URL_PATTERNS = [
    # A referee's link, but not the referees' privacy notice beside it.
    r"(/reference/)(?!privacy/)[^/?#\s\"]+",
    r"(/accounts/password/reset/key/)[^/?#\s\"]+",
    r"(/accounts/confirm-email/)[^/?#\s\"]+",
    # Calendar feeds (sessions): /calendar/<token>.ics and anything under it.
    r"(/calendar/)[^/?#\s\"]+",
    # Any secret passed as a query parameter (in a URL, or in a query string on its own).
    r"((?:^|[?&])(?:token|key|code)=)[^&#\s\"]+",
]
_SECRET_URL = re.compile("|".join(f"(?:{pattern})" for pattern in SECRET_URL_PATTERNS))


def redact(text: str) -> str:
    """The text with every secret in a URL replaced by [redacted]."""
    return _SECRET_URL.sub(_keep_prefix, text)


def _keep_prefix(match: re.Match) -> str:
    prefix = next(group for group in match.groups() if group is not None)
    return prefix + REDACTED


class RedactSecrets(logging.Filter):
    """A logging filter: the record's message, formatted, with URL secrets redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class GunicornLogger(_GunicornLogger):
    """gunicorn's logger, with the request line, path, query and referrer redacted."""

    def atoms(self, resp, req, environ, request_time):
        # Every atom a format can use: %(r)s, %(U)s, %(q)s, %(f)s, and {header}i / {var}e too.
        return {
            name: redact(value) if isinstance(value, str) else value
            for name, value in super().atoms(resp, req, environ, request_time).items()
        }
