"""Access logs never hold a URL's secret: referee links, reset and confirmation keys, feeds."""

import io
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from panitch.logging import GunicornLogger, RedactSecrets, redact


@pytest.mark.parametrize(
    ("logged", "kept"),
    [
        ("GET /reference/Xy9_abc-123/ HTTP/1.1", "GET /reference/[redacted]/ HTTP/1.1"),
        ("GET /reference/privacy/ HTTP/1.1", "GET /reference/privacy/ HTTP/1.1"),
        (
            "GET /accounts/password/reset/key/3-c4bk2x-0123456789abcdef/ HTTP/1.1",
            "GET /accounts/password/reset/key/[redacted]/ HTTP/1.1",
        ),
        (
            "POST /accounts/confirm-email/MQ:1u2v3w:abcDEF/ HTTP/1.1",
            "POST /accounts/confirm-email/[redacted]/ HTTP/1.1",
        ),
        ("GET /calendar/f00dfeed.ics HTTP/1.1", "GET /calendar/[redacted] HTTP/1.1"),
        ("GET /login/?next=/&token=s3cret&x=1", "GET /login/?next=/&token=[redacted]&x=1"),
        ("GET /apply/your-organising/ HTTP/1.1", "GET /apply/your-organising/ HTTP/1.1"),
    ],
)
def test_redact_removes_every_secret_and_nothing_else(logged, kept):
    assert redact(logged) == kept


def console_output(logger_name, emit):
    """What the console handlers LOGGING gives this logger (or the root) write."""
    logger = logging.getLogger(logger_name)
    handlers = [
        handler
        for handler in logger.handlers or logging.getLogger().handlers
        if any(isinstance(f, RedactSecrets) for f in handler.filters)
    ]
    assert handlers, "LOGGING gives this logger no redacting handler"
    stream = io.StringIO()
    old = [handler.setStream(stream) for handler in handlers]
    try:
        emit(logger)
    finally:
        for handler, previous in zip(handlers, old, strict=True):
            handler.setStream(previous)
    return stream.getvalue()


def test_runservers_access_lines_are_redacted():
    output = console_output(
        "django.server",
        lambda logger: logger.info(
            '"%s" %s %s',
            "GET /reference/Xy9_abc-123/ HTTP/1.1",
            "200",
            "512",
            extra={"server_time": "01/Dec/2026 09:00:00", "status_code": 200},
        ),
    )

    assert output == '[01/Dec/2026 09:00:00] "GET /reference/[redacted]/ HTTP/1.1" 200 512\n'


def test_a_not_found_reference_link_is_logged_redacted(client, db):
    output = console_output("django.request", lambda logger: client.get("/reference/Xy9-not-ours/"))

    assert output == "Not Found: /reference/[redacted]/\n"


def test_gunicorns_access_log_is_redacted():
    logger = GunicornLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/accounts/confirm-email/MQ:abc/?key=k3y",
        "PATH_INFO": "/accounts/confirm-email/MQ:abc/",
        "QUERY_STRING": "key=k3y",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.7",
        "HTTP_REFERER": "https://panitch.example.org/reference/Xy9_abc-123/",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])

    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=5))

    assert (atoms["r"], atoms["U"], atoms["q"], atoms["f"], atoms["{referer}i"]) == (
        "GET /accounts/confirm-email/[redacted]/?key=[redacted] HTTP/1.1",
        "/accounts/confirm-email/[redacted]/",
        "key=[redacted]",
        "https://panitch.example.org/reference/[redacted]/",
        "https://panitch.example.org/reference/[redacted]/",
    )
