"""Sign-up does not loop: confirming the email signs the person in and takes them where they
were going."""

import re

from panitch.models import OutboxEmail
from tests.applications.helpers import path_of
from tests.factories import open_edition_now

SIGN_UP = {
    "first_name": "Sam",
    "last_name": "Okafor",
    "email": "sam@example.org",
    "password1": "a-long-enough-passphrase",
    "password2": "a-long-enough-passphrase",
}


def test_confirming_the_email_signs_in_and_lands_on_the_first_step(client, db):
    open_edition_now()
    signup = client.get("/accounts/signup/?next=/apply/").content.decode()
    assert '<input type="hidden" name="next" value="/apply/">' in signup

    response = client.post("/accounts/signup/", {**SIGN_UP, "next": "/apply/"})
    assert response["Location"] == "/accounts/confirm-email/"
    email = OutboxEmail.objects.get(kind="email_confirmation_signup")
    link = path_of(re.search(r"https?://\S+/accounts/confirm-email/\S+/", email.body_text)[0])

    assert client.get(link).status_code == 200
    confirmed = client.post(link, follow=True)

    assert [url for url, _ in confirmed.redirect_chain] == ["/apply/", "/apply/about/"]
    assert confirmed.context["user"].email == "sam@example.org"
    assert "Before you start" in confirmed.content.decode()
