"""Authentication secrets in the outbox: sign-in codes, password-reset links, confirmation keys
and referee links are readable by superusers only, never by programme admins (list, change
page, search), and their bodies are blanked once sent; resending a failed one still works."""

import re

import pytest
from django.core import mail
from django.test import Client

from applications import services
from panitch import outbox
from panitch.enums import EmailStatus
from panitch.models import OutboxEmail
from tests.applications.factories import application_with_referees
from tests.factories import UserFactory


@pytest.fixture
def programme_admin(db):
    user = UserFactory(role="Programme admin", email="pat.admin@example.org")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def superuser_client(db):
    client = Client()
    client.force_login(UserFactory(email="root@example.org", is_staff=True, is_superuser=True))
    return client


def pages_an_admin_can_open(client, email, secret):
    """Every outbox page that could show the row: the list, the list searched for the secret
    (and for its key), and the row's own page."""
    return {
        "list": client.get("/admin/panitch/outboxemail/"),
        "search for the secret": client.get("/admin/panitch/outboxemail/", {"q": secret}),
        "search for the key": client.get(
            "/admin/panitch/outboxemail/", {"q": email.idempotency_key}
        ),
        "change page": client.get(f"/admin/panitch/outboxemail/{email.pk}/change/"),
        "history": client.get(f"/admin/panitch/outboxemail/{email.pk}/history/"),
    }


def assert_unreadable(client, email, secret):
    for name, page in pages_an_admin_can_open(client, email, secret).items():
        assert page.status_code == 200, name
        content = page.content.decode()
        if name == "search for the secret":
            # The page repeats what was typed (search box, filter links), but no row is
            # found by the secret in its body: searching cannot confirm a guess.
            assert "0 results" in content
            assert f"/admin/panitch/outboxemail/{email.pk}/change/" not in content
            continue
        assert secret not in content, name
    change = client.get(f"/admin/panitch/outboxemail/{email.pk}/change/").content.decode()
    assert "Only a superuser can read it." in change
    assert email.subject in change  # what it is and to whom stays visible


def test_a_programme_admin_cannot_read_a_sign_in_code(programme_admin, superuser_client, db):
    UserFactory(email="root2@example.org", is_staff=True, is_superuser=True)
    Client().post("/accounts/login/code/", {"email": "root2@example.org"})
    email = OutboxEmail.objects.get(kind="login_code")
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", email.body_text, re.MULTILINE)
    assert code, email.body_text
    code = code.group(1)

    assert email.sensitive is True
    assert_unreadable(programme_admin, email, code)
    # A superuser may read it while it waits to be sent.
    page = superuser_client.get(f"/admin/panitch/outboxemail/{email.pk}/change/")
    assert code in page.content.decode()


def test_a_programme_admin_cannot_read_a_password_reset_link(programme_admin, db):
    UserFactory(email="root2@example.org", is_staff=True, is_superuser=True)
    Client().post("/accounts/password/reset/", {"email": "root2@example.org"})
    email = OutboxEmail.objects.get(kind="password_reset_key")
    link = re.search(r"https?://\S+/password/reset/key/(\S+)/", email.body_text).group(1)

    assert_unreadable(programme_admin, email, link)


def test_a_programme_admin_cannot_read_a_referee_link(programme_admin, db):
    application = application_with_referees()
    referee = application.referees.get(position=1)
    services.reference_request(referee=referee)
    email = OutboxEmail.objects.get(kind="reference_request")

    assert referee.token in email.body_text
    assert_unreadable(programme_admin, email, referee.token)


def test_a_sent_secret_is_blanked_in_the_outbox_and_reached_its_reader(db, superuser_client):
    application = application_with_referees()
    referee = application.referees.get(position=1)
    services.reference_request(referee=referee)
    email = OutboxEmail.objects.get(kind="reference_request")

    outbox.deliver(email_ids=[email.pk])

    email.refresh_from_db()
    assert (email.status, email.body_text, email.body_html) == (
        EmailStatus.SENT,
        outbox.REDACTED,
        "",
    )
    assert email.subject == mail.outbox[0].subject
    assert referee.token in mail.outbox[0].body
    # Not even a superuser can read it once sent: it is no longer stored.
    page = superuser_client.get(f"/admin/panitch/outboxemail/{email.pk}/change/")
    assert referee.token not in page.content.decode()


def test_a_failed_secret_resent_by_a_programme_admin_arrives_whole(programme_admin, db):
    application = application_with_referees()
    referee = application.referees.get(position=1)
    services.reference_request(referee=referee)
    email = OutboxEmail.objects.get(kind="reference_request")
    OutboxEmail.objects.filter(pk=email.pk).update(status=EmailStatus.FAILED, attempts=3)

    response = programme_admin.post(
        "/admin/panitch/outboxemail/",
        {"action": "resend_failed", "index": "0", "_selected_action": [email.pk]},
        follow=True,
    )
    assert "1 failed email(s) queued to send again." in response.content.decode()
    outbox.deliver(email_ids=[email.pk])

    assert [m.to for m in mail.outbox] == [[referee.email]]
    assert referee.token in mail.outbox[0].body
    email.refresh_from_db()
    assert (email.status, email.body_text) == (EmailStatus.SENT, outbox.REDACTED)
