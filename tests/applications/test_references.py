"""Referees answer through their personal link, once, until the reference deadline."""

import datetime as dt
import secrets

import pytest
from django.utils import timezone

from applications.models import Reference
from panitch.models import Edition
from tests.applications.conftest import STEP_DATA
from tests.applications.helpers import field_errors, reference_link

DISTINCTIVE = "Sam rebuilt the Harehills branch after the 2019 split, door by door."

REFERENCE = {
    "relationship": "We organise together in Leeds Momentum.",
    "known_for": "three years",
    "commitment": DISTINCTIVE,
    "examples": "Ran the rent strike assemblies every month.",
    "recommendation": "yes",
}


@pytest.fixture
def link_one(submitted):
    return reference_link("reference_request", "ref.one@example.org")


@pytest.fixture
def link_two(submitted):
    return reference_link("reference_request", "ref.two@example.org")


def test_the_link_shows_who_the_reference_is_for(referee_client, link_one):
    response = referee_client.get(link_one)

    page = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="h2">A reference for Sam Okafor</h1>' in page
    assert (
        "Dear Ada Referee, Sam Okafor has applied to the Leo Panitch Leadership Programme" in page
    )
    assert ">I can't give a reference</button>" in page


def test_a_valid_reference_is_recorded_once_and_thanked(referee_client, submitted, link_one):
    response = referee_client.post(link_one, REFERENCE, follow=True)

    assert response.redirect_chain == [(link_one, 302)]
    page = response.content.decode()
    assert '<h1 class="h2">Thank you</h1>' in page
    assert "Your reference for Sam Okafor reached us on" in page
    reference = Reference.objects.get()
    assert reference.referee == submitted.referees.get(email="ref.one@example.org")
    assert (
        reference.declined,
        reference.relationship,
        reference.known_for,
        reference.commitment,
        reference.examples,
        reference.recommendation,
    ) == (
        False,
        "We organise together in Leeds Momentum.",
        "three years",
        DISTINCTIVE,
        "Ran the rent strike assemblies every month.",
        "yes",
    )


def test_a_second_answer_on_the_same_link_records_nothing(referee_client, link_one):
    referee_client.post(link_one, REFERENCE)

    response = referee_client.post(link_one, {**REFERENCE, "recommendation": "no"})

    assert response.status_code == 200
    assert '<h1 class="h2">Thank you</h1>' in response.content.decode()
    assert list(Reference.objects.values_list("recommendation", flat=True)) == ["yes"]
    declined = referee_client.post(link_one, {"decline": "1"})
    assert '<h1 class="h2">Thank you</h1>' in declined.content.decode()
    assert Reference.objects.get().declined is False


def test_an_incomplete_reference_is_shown_again_with_its_errors(referee_client, link_one):
    response = referee_client.post(link_one, {**REFERENCE, "commitment": ""})

    page = response.content.decode()
    assert response.status_code == 400
    assert field_errors(page, "commitment") == ["This field is required."]
    assert "Please correct the answers marked below." in page
    assert Reference.objects.count() == 0


def test_declining_is_recorded_once_confirmed(referee_client, submitted, link_two):
    response = referee_client.post(link_two, {"decline_confirmed": "1"}, follow=True)

    reference = Reference.objects.get()
    assert (reference.referee.email, reference.declined, reference.commitment) == (
        "ref.two@example.org",
        True,
        "",
    )
    page = response.content.decode()
    assert "that you can't give a reference for Sam Okafor" in page


def test_after_the_reference_deadline_the_link_has_expired(referee_client, submitted, link_one):
    Edition.objects.filter(pk=submitted.edition_id).update(
        reference_deadline=timezone.now() - dt.timedelta(minutes=1)
    )

    response = referee_client.get(link_one)
    posted = referee_client.post(link_one, REFERENCE)
    declined = referee_client.post(link_one, {"decline": "1"})

    assert [response.status_code, posted.status_code, declined.status_code] == [410, 410, 410]
    page = response.content.decode()
    assert '<h1 class="h2">This link has expired</h1>' in page
    assert 'email <a href="mailto:programme@example.org">programme@example.org</a>' in page
    assert Reference.objects.count() == 0


def test_references_are_still_accepted_after_applications_close(
    referee_client, submitted, link_one
):
    now = timezone.now()
    Edition.objects.filter(pk=submitted.edition_id).update(
        applications_open_at=now - dt.timedelta(days=30),
        applications_close_at=now - dt.timedelta(hours=1),
    )

    referee_client.post(link_one, REFERENCE)

    assert Reference.objects.count() == 1


def test_unknown_links_all_get_the_same_not_found_page(referee_client, submitted, link_one):
    token = link_one.split("/")[-2]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    responses = [
        referee_client.get(f"/reference/{tampered}/"),
        referee_client.get(f"/reference/{secrets.token_urlsafe(32)}/"),
        referee_client.get(f"/reference/{'x' * 200}/"),
        referee_client.post(f"/reference/{tampered}/", REFERENCE),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    pages = {r.content.decode() for r in responses}
    assert len(pages) == 1
    assert '<h1 class="h2">We can\'t find this reference link</h1>' in pages.pop()
    assert Reference.objects.count() == 0


def test_the_dashboard_counts_references_without_showing_them(
    signed_in, referee_client, submitted, link_one, link_two
):
    def dashboard():
        return signed_in.get("/application/").content.decode()

    assert "References received: 0/2" in dashboard()

    referee_client.post(link_one, REFERENCE)
    assert "References received: 1/2" in dashboard()

    referee_client.post(link_two, {**REFERENCE, "commitment": "Committed and reliable."})
    page = dashboard()
    assert "References received: 2/2" in page
    assert DISTINCTIVE not in page
    assert "Committed and reliable." not in page
    review = signed_in.get("/apply/review/").content.decode()
    assert DISTINCTIVE not in review
    assert "rent strike" not in review


def test_a_replaced_referees_reference_no_longer_counts(
    signed_in, referee_client, submitted, link_one
):
    referee_client.post(link_one, REFERENCE)
    signed_in.post(
        "/apply/referees/", {**STEP_DATA["referees"], "referee1-email": "dee@example.org"}
    )

    assert "References received: 0/2" in signed_in.get("/application/").content.decode()
    # The old referee's answer stays recorded; their link says so.
    assert '<h1 class="h2">Thank you</h1>' in referee_client.get(link_one).content.decode()
