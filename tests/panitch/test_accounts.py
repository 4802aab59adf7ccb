"""Accounts: sign-up with a verified email, allauth's emails in the outbox, the admin's door."""

import re

import pytest
from django.core import mail

from panitch import outbox
from panitch.enums import EmailStatus
from panitch.models import OutboxEmail, User
from tests.factories import UserFactory


def test_sign_up_puts_the_verification_email_in_the_outbox_with_a_public_link(
    client, db, settings, django_capture_on_commit_callbacks, celery_eager
):
    settings.PANITCH_BASE_URL = "https://panitch.example.net"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/signup/",
            {
                "first_name": "Sam",
                "last_name": "Okafor",
                "email": "Sam.Okafor@Example.org",
                "password1": "a-long-enough-passphrase",
                "password2": "a-long-enough-passphrase",
            },
        )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get()
    assert (user.email, user.first_name, user.last_name) == (
        "sam.okafor@example.org",
        "Sam",
        "Okafor",
    )
    email = OutboxEmail.objects.get()
    assert (email.kind, email.to, email.status) == (
        "email_confirmation_signup",
        "sam.okafor@example.org",
        EmailStatus.SENT,
    )
    # The link is a secret: it reached the person, and the outbox row no longer holds it.
    assert (email.sensitive, email.body_text, email.body_html) == (True, outbox.REDACTED, "")
    links = re.findall(r"https?://\S+", mail.outbox[0].body)
    assert links[0].startswith("https://panitch.example.net/accounts/confirm-email/")
    assert all(link.startswith("https://panitch.example.net/") for link in links)

    confirm = client.get(links[0].replace("https://panitch.example.net", ""))
    assert confirm.status_code == 200
    client.post(links[0].replace("https://panitch.example.net", ""))
    assert user.emailaddress_set.get().verified is True


def test_an_unverified_account_cannot_sign_in(client, db):
    UserFactory(email="new@example.org", verified=False)

    response = client.post(
        "/accounts/login/", {"login": "new@example.org", "password": "correct-horse-battery"}
    )

    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session


def test_a_verified_account_signs_in_with_email_and_password(client, db):
    user = UserFactory(email="sam@example.org")

    response = client.post(
        "/accounts/login/", {"login": "sam@example.org", "password": "correct-horse-battery"}
    )

    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_admin_login_is_allauths_login(client, db):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain == [
        ("/admin/login/?next=/admin/", 302),
        ("/accounts/login/?next=%2Fadmin%2F", 302),
    ]
    assert response.templates[0].name == "account/login.html"


@pytest.mark.parametrize(
    ("role", "admin_status"),
    [(None, 403), ("Facilitator", 403), ("Reviewer", 200), ("Programme admin", 200)],
)
def test_who_can_open_the_admin(client, db, role, admin_status):
    client.force_login(UserFactory(role=role))

    assert client.get("/admin/", follow=True).status_code == admin_status


@pytest.mark.parametrize(
    ("role", "outbox_status", "edition_add_status"),
    [("Reviewer", 403, 403), ("Programme admin", 200, 200)],
)
def test_only_programme_admins_manage_editions_and_the_outbox(
    client, db, role, outbox_status, edition_add_status
):
    client.force_login(UserFactory(role=role))

    assert client.get("/admin/panitch/outboxemail/").status_code == outbox_status
    assert client.get("/admin/panitch/edition/add/").status_code == edition_add_status
    assert client.get("/admin/panitch/edition/").status_code == 200


def test_failed_login_attempts_are_rate_limited(client, db):
    UserFactory(email="sam@example.org")
    pages = [
        client.post("/accounts/login/", {"login": "sam@example.org", "password": "wrong"})
        for _ in range(6)
    ]
    limited = "Too many failed sign-in attempts. Try your password again in a few minutes, or"

    # allauth allows five failures per account in five minutes.
    assert [limited in page.content.decode() for page in pages] == [False] * 5 + [True]
    right = client.post(
        "/accounts/login/", {"login": "sam@example.org", "password": "correct-horse-battery"}
    )
    assert limited in right.content.decode()
    assert "_auth_user_id" not in client.session
