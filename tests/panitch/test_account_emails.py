"""Every email the account system sends is the programme's own: branded text and HTML, the
programme and organisation named from settings, never the request's host."""

import re

import pytest
from django.contrib.auth.hashers import get_hasher

from panitch.models import OutboxEmail
from tests.factories import UserFactory

BASE = "https://apply.example.org"
FOOTER = [
    "Leo Panitch Leadership Programme, run by Momentum",
    f"{BASE}/",
    "Questions? Write to leadership-programme@example.org.",
]
SIGN_UP = {
    "first_name": "Sam",
    "last_name": "Okafor",
    "email": "sam@example.org",
    "password1": "a-long-enough-passphrase",
    "password2": "a-long-enough-passphrase",
}


@pytest.fixture(autouse=True)
def public_base(settings):
    settings.PANITCH_BASE_URL = BASE


def only_email(kind) -> OutboxEmail:
    return OutboxEmail.objects.get(kind=kind)


def assert_branded(email: OutboxEmail) -> None:
    """Names the programme and organisation, never a host the request or Django's Site gave."""
    for body in (email.body_text, email.body_html):
        assert "testserver" not in body
        assert "example.com" not in body
        assert "Hello from" not in body
    assert email.body_text.splitlines()[-3:] == FOOTER
    assert "Leo Panitch Leadership Programme</div>" in email.body_html
    assert "Momentum · " in email.body_html


def test_the_sign_up_confirmation_is_branded(client, db):
    client.post("/accounts/signup/", SIGN_UP)

    email = only_email("email_confirmation_signup")
    link = re.search(rf"{BASE}/accounts/confirm-email/\S+/", email.body_text).group(0)
    assert email.subject == "Confirm your email address for the Leo Panitch Leadership Programme"
    assert email.body_text.splitlines()[:8] == [
        "Dear Sam,",
        "",
        "Thank you for creating an account with the Leo Panitch Leadership Programme, run by "
        "Momentum. Please confirm that sam@example.org is your email address by opening this "
        "link:",
        "",
        link,
        "",
        "Then you can carry on with your application. If you did not create an account, you "
        "can ignore this email.",
        "",
    ]
    assert f'<a href="{link}"' in email.body_html
    assert "<p>Dear Sam,</p>" in email.body_html
    assert_branded(email)


def test_the_password_reset_email_is_branded(client, db):
    UserFactory(email="sam@example.org", first_name="Sam")

    client.post("/accounts/password/reset/", {"email": "sam@example.org"})

    email = only_email("password_reset_key")
    link = re.search(rf"{BASE}/accounts/password/reset/key/\S+/", email.body_text).group(0)
    assert email.subject == "Reset your password for the Leo Panitch Leadership Programme"
    assert email.body_text.splitlines()[:8] == [
        "Dear Sam,",
        "",
        "Someone, probably you, asked to reset the password of your account with the Leo "
        "Panitch Leadership Programme. To choose a new password, open this link:",
        "",
        link,
        "",
        "If you did not ask for this, you can ignore this email: your password stays as it is.",
        "",
    ]
    assert_branded(email)


def test_the_login_code_email_is_branded(client, db):
    UserFactory(email="sam@example.org", first_name="Sam")

    client.post("/accounts/login/code/", {"email": "sam@example.org"})

    email = only_email("login_code")
    lines = email.body_text.splitlines()
    assert email.subject == "Your sign-in code for the Leo Panitch Leadership Programme"
    assert lines[:3] == [
        "Hello,",
        "",
        "Your code to sign in to the Leo Panitch Leadership Programme is:",
    ]
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", lines[4])
    assert lines[6] == (
        "Type it into the page where you asked for it. If you did not ask for a code, you can "
        "ignore this email."
    )
    assert_branded(email)


def test_signing_up_with_a_taken_address_sends_the_branded_already_exists_email(client, db):
    UserFactory(email="sam@example.org", first_name="Sam")

    response = client.post("/accounts/signup/", SIGN_UP)

    assert response["Location"] == "/accounts/confirm-email/"
    email = only_email("account_already_exists")
    assert email.subject == "You already have an account with the Leo Panitch Leadership Programme"
    assert email.body_text.splitlines()[:9] == [
        "Hello,",
        "",
        "Someone, probably you, tried to create an account with the Leo Panitch Leadership "
        "Programme using sam@example.org, but there is already an account with that address.",
        "",
        "To sign in, use your password or ask for a sign-in code. If you have forgotten your "
        "password, choose a new one here:",
        "",
        f"{BASE}/accounts/password/reset/",
        "",
        "If this was not you, you can ignore this email.",
    ]
    assert_branded(email)


def test_a_reset_for_an_unknown_address_emails_nobody(client, db):
    # Otherwise anyone could make the organisation email any address; the page says the same
    # either way, so it tells nobody who has an account.
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert not OutboxEmail.objects.exists()


def test_a_notification_without_its_own_template_is_branded_too(db):
    from panitch.accounts import render_account_email

    subject, text, html = render_account_email(
        "account/email/password_changed",
        {"name": "Sam", "ip": "192.0.2.1", "user_agent": "Firefox", "timestamp": "today"},
    )

    assert subject == "Your password was changed: Leo Panitch Leadership Programme"
    assert text.splitlines()[:5] == [
        "Dear Sam,",
        "",
        "This is to let you know about a change to your account with the Leo Panitch "
        "Leadership Programme:",
        "",
        "Your password has been changed.",
    ]
    assert "Your password has been changed." in html
    assert "Hello from" not in text + html


# Signing up with a taken address does the same work as a new one (no timing difference)


@pytest.fixture
def hashes(monkeypatch):
    """How many times a password is hashed."""
    hasher = type(get_hasher("default"))
    calls = []
    original = hasher.encode

    def counting(self, password, salt, *args, **kwargs):
        calls.append(password)
        return original(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(hasher, "encode", counting)
    return calls


def test_signing_up_with_a_taken_address_hashes_the_password_like_a_new_one(client, db, hashes):
    client.post("/accounts/signup/", SIGN_UP)
    new_account = list(hashes)
    hashes.clear()
    client.logout()

    client.post("/accounts/signup/", {**SIGN_UP, "email": "SAM@example.org"})

    assert new_account == ["a-long-enough-passphrase"]
    assert hashes == ["a-long-enough-passphrase"]
