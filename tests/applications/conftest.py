import pytest
from celery.contrib.testing.worker import start_worker
from django.test import Client

from applications.models import Application
from panitch.celery import app as celery_app
from tests.factories import UserFactory, open_edition_now

STEP_DATA = {
    "about": {
        "first_name": "Sam",
        "last_name": "Okafor",
        "pronouns": "they/them",
        "phone": "07700 900123",
        "postcode": "ls1 4ap",
        "region": "yorkshire",
    },
    "membership": {
        "is_member": "True",
        "membership_reference": "sam@example.org",
        "local_group": "Leeds Momentum",
        "clp": "Leeds Central",
        "trade_union": "Unite",
    },
    "experience": {
        "organising_kinds": ["local-group", "tenants-union"],
        "experience": "Two years organising a tenants' union in Harehills.",
    },
    "project": {
        "project_title": "Harehills renters' political education series",
        "project_kind": "political-education",
        "project_description": "Monthly sessions on housing and class for renters.",
        "project_involves": "The tenants' union and Leeds Momentum.",
        "project_success": "Thirty renters attend and five join the local group.",
    },
    "availability": {
        "weekend_choice": "both",
        "available_closing_day": "True",
        "available_online_sessions": "True",
        "has_device": "True",
    },
    "travel": {
        "needs_travel_paid": "True",
        "journey_time_a": "over-2.5h",
        "journey_time_b": "under-1h",
        "may_need_accommodation": "False",
        "access_requirements": "",
    },
    "referees": {
        "referee1-name": "Ada Referee",
        "referee1-email": "ref.one@example.org",
        "referee1-phone": "",
        "referee1-organisation": "Secretary, Leeds Momentum",
        "referee1-relationship": "We organise together in Leeds Momentum",
        "referee1-known_for": "three years",
        "referee2-name": "Ben Referee",
        "referee2-email": "ref.two@example.org",
        "referee2-phone": "0113 496 0000",
        "referee2-organisation": "Branch chair, Unite",
        "referee2-relationship": "My union branch chair",
        "referee2-known_for": "two years",
    },
    "consent": {"consent_special_category": "on"},
    "equality": {"age_band": "25–34", "gender": "Non-binary"},
}


@pytest.fixture
def open_edition(db):
    """An edition taking applications now."""
    return open_edition_now()


@pytest.fixture
def applicant(db):
    return UserFactory(email="sam@example.org", first_name="Sam", last_name="Okafor")


@pytest.fixture
def fill_in(client):
    """Post every step (or the given ones) as the signed-in client."""

    def fill(*slugs, **overrides):
        for slug in slugs or STEP_DATA:
            data = {**STEP_DATA[slug], **overrides.get(slug, {})}
            response = client.post(f"/apply/{slug}/", data)
            assert response.status_code == 302, response.content.decode()[:3000]
        return response

    return fill


@pytest.fixture
def signed_in(client, applicant):
    """The test client, signed in as the applicant."""
    client.force_login(applicant)
    return client


@pytest.fixture
def submitted(signed_in, open_edition, fill_in):
    """The applicant's application, every step filled in and submitted through the pages."""
    fill_in()
    response = signed_in.post("/apply/review/")
    assert response["Location"] == "/application/"
    return Application.objects.get(edition=open_edition)


@pytest.fixture
def celery_worker_thread(transactional_db):
    """A real Celery worker (solo pool) in a thread, on the configured broker."""
    # Tasks left on the broker by earlier tests refer to rows that no longer exist.
    celery_app.control.purge()
    with start_worker(
        celery_app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10
    ) as worker:
        yield worker


@pytest.fixture
def referee_client():
    """A second browser, with no account: the referee following the link in their email."""
    return Client()


@pytest.fixture
def reviewer(db):
    return UserFactory(
        role="Reviewer", first_name="Rosa", last_name="Lamb", email="rosa.reviewer@example.org"
    )


@pytest.fixture
def programme_admin_user(db):
    return UserFactory(
        role="Programme admin", first_name="Pat", last_name="Hale", email="pat.admin@example.org"
    )


@pytest.fixture
def client_for():
    """A browser of its own, signed in as the given person (or anonymous for None)."""

    def make(user=None):
        browser = Client()
        if user is not None:
            browser.force_login(user)
        return browser

    return make
