"""Sign-in limits behind the reverse proxy: they count per client, and only the proxy may say
who the client is. A locked-out password does not lock out the account's owner."""

import re

import pytest
from django.core import mail
from django.test import Client

from tests.factories import UserFactory

PROXY = "10.0.0.7"
LIMITED = "Too many failed sign-in attempts."


@pytest.fixture
def behind_proxy(settings):
    settings.PANITCH_TRUSTED_PROXIES = [PROXY]
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


def fail_ten_times(browser):
    """allauth refuses an address after ten failures in a minute (each for another account)."""
    for n in range(10):
        page = browser.post(
            "/accounts/login/", {"login": f"nobody{n}@example.org", "password": "x"}
        )
        assert LIMITED not in page.content.decode()


def sign_in(browser):
    return browser.post(
        "/accounts/login/", {"login": "sam@example.org", "password": "correct-horse-battery"}
    )


def test_limits_count_per_forwarded_client_when_the_proxy_forwards(db, behind_proxy):
    UserFactory(email="sam@example.org")
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    neighbour = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.6")

    fail_ten_times(attacker)

    assert LIMITED in sign_in(attacker).content.decode()
    assert sign_in(neighbour)["Location"] == "/"


def test_a_forwarded_address_from_anyone_but_the_proxy_is_ignored(db, behind_proxy):
    UserFactory(email="sam@example.org")
    fail_ten_times(Client(REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="203.0.113.5"))

    # The same machine claiming to be someone else is still the same machine.
    disguised = Client(REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="203.0.113.77")

    assert LIMITED in sign_in(disguised).content.decode()


def test_without_a_proxy_configured_the_forwarded_address_is_ignored(db, settings):
    settings.PANITCH_TRUSTED_PROXIES = [PROXY]
    UserFactory(email="sam@example.org")
    fail_ten_times(Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5"))

    other = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.6")

    assert LIMITED in sign_in(other).content.decode()


def test_a_locked_out_owner_signs_in_with_a_code(
    db, django_capture_on_commit_callbacks, celery_eager
):
    user = UserFactory(email="sam@example.org")
    browser = Client()
    for _ in range(5):
        browser.post("/accounts/login/", {"login": "sam@example.org", "password": "wrong"})
    locked = sign_in(browser).content.decode()
    assert "sign in now with a code sent to your email address" in locked

    with django_capture_on_commit_callbacks(execute=True):
        asked = browser.post("/accounts/login/code/", {"email": "sam@example.org"})
    assert asked["Location"] == "/accounts/login/code/confirm/"
    [message] = mail.outbox
    code = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", message.body).group(1)
    confirmed = browser.post("/accounts/login/code/confirm/", {"code": code})

    assert confirmed["Location"] == "/"
    assert browser.session["_auth_user_id"] == str(user.pk)
