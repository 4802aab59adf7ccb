"""Security headers: the Content-Security-Policy, the Permissions-Policy, and no caching of
pages that hold personal or special-category data."""

import re
from pathlib import Path

import pytest
from django.test import Client

from applications.models import OutcomeEmail
from tests.applications.factories import application_with_referees
from tests.factories import EditionFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
NO_STORE = "max-age=0, no-cache, no-store, must-revalidate, private"

POLICY = [
    "base-uri 'none'",
    "connect-src 'self'",
    "default-src 'self'",
    "font-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "frame-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
]


def test_every_page_sends_the_content_security_policy_and_permissions_policy(client, db):
    response = client.get("/")

    assert response.status_code == 200
    assert sorted(response["Content-Security-Policy"].split("; ")) == POLICY
    assert response["Permissions-Policy"] == (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=()"
    )


def test_the_public_home_page_may_be_cached(client, db):
    assert "Cache-Control" not in client.get("/")


@pytest.mark.parametrize("path", ["/", "/application/", "/apply/", "/accounts/email/", "/privacy/"])
def test_a_signed_in_persons_pages_are_never_stored(client, db, path):
    EditionFactory()
    client.force_login(UserFactory())

    response = client.get(path)

    assert response["Cache-Control"] == NO_STORE
    assert "Cookie" in response["Vary"]


def test_a_reference_page_is_never_stored(client, db):
    referee = application_with_referees().referees.first()

    response = Client().get(f"/reference/{referee.token}/")

    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE


@pytest.mark.parametrize("path", ["/reference/no-such-token/", "/admin/login/", "/accounts/login/"])
def test_private_paths_are_never_stored_even_signed_out(client, db, path):
    assert client.get(path)["Cache-Control"] == NO_STORE


def test_staff_pages_are_never_stored(client, db):
    client.force_login(UserFactory(role="Programme admin"))

    for path in ["/admin/", "/admin/applications/application/", "/staff/reviews/"]:
        assert client.get(path)["Cache-Control"] == NO_STORE, path


# The policy forbids inline code: our templates must not need it (emails are not pages).
INLINE = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)|<style|\sstyle=|\son\w+=")


def test_no_page_template_has_an_inline_script_style_or_handler():
    templates = [
        path
        for path in ROOT.glob("**/templates/**/*.html")
        if ".venv" not in path.parts
        and "emails" not in path.parts
        and "email" not in path.parts  # allauth's account emails: templates/account/email/
    ]
    offending = [
        f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
        for path in templates
        for match in INLINE.finditer(path.read_text())
    ]

    assert len(templates) > 40
    assert offending == []


def test_only_the_outcome_email_preview_allows_the_emails_own_style_attributes(client, db):
    wording = OutcomeEmail.objects.create(decision="accepted", subject="Hi", body_text="Hi")
    client.force_login(UserFactory(role="Programme admin"))

    preview = client.get(f"/admin/applications/outcomeemail/{wording.pk}/preview/")
    change = client.get(f"/admin/applications/outcomeemail/{wording.pk}/change/")

    assert sorted(preview["Content-Security-Policy"].split("; ")) == sorted(
        [*POLICY, "style-src-attr 'unsafe-inline'"]
    )
    assert sorted(change["Content-Security-Policy"].split("; ")) == POLICY
