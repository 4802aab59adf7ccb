"""The programme page tells applicants the size of the job and where they stand; the
information session goes in a calendar; "Your account" is a page of the site's own."""

import icalendar
import pytest
from django.utils import timezone

from applications.models import Application
from tests.applications.factories import ApplicationFactory
from tests.factories import UserFactory, open_edition_now


@pytest.fixture
def edition(db):
    return open_edition_now()


@pytest.fixture
def person(client, db):
    user = UserFactory(email="sam@example.org")
    client.force_login(user)
    return user


def test_the_programme_page_says_how_long_the_form_takes_and_what_to_have_ready(client, edition):
    page = client.get("/").content.decode()

    assert "The form takes most people 45 minutes to an hour" in page
    assert "the contact details of two political referees and an idea for your local project" in (
        page
    )
    assert 'href="/accounts/signup/?next=/apply/">Apply now</a>' in page


@pytest.mark.parametrize(
    ("status", "call_to_action", "href"),
    [
        (None, "Apply now", "/apply/"),
        ("draft", "Carry on with your application", "/apply/"),
        ("submitted", "View your application", "/application/"),
    ],
)
def test_the_call_to_action_follows_the_application(
    client, edition, person, status, call_to_action, href
):
    if status:
        ApplicationFactory(edition=edition, applicant=person, status=status)

    page = client.get("/").content.decode()

    assert f'href="{href}">{call_to_action}</a>' in page
    assert ("Apply now</a>" in page) == (status is None)


def test_the_page_has_one_contact_address(client, edition):
    page = client.get("/").content.decode()

    assert page.count("mailto:") == 2  # the questions section and the footer: the same address
    assert page.count(f'href="mailto:{edition.contact_email}"') == 2


def test_the_information_session_downloads_as_a_calendar_event_in_london_time(client, edition):
    # In the factory's edition the session is set with the window; give it a joining link.
    edition.info_session_url = "https://meet.example.org/info"
    edition.save(update_fields=["info_session_url"])

    page = client.get("/").content.decode()
    response = client.get("/information-session.ics")

    assert 'href="/information-session.ics" download>add it to your calendar (.ics)</a>' in page
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="info-session-{edition.year}.ics"'
    )
    cal = icalendar.Calendar.from_ical(response.content)
    [timezone] = cal.walk("VTIMEZONE")
    [event] = cal.walk("VEVENT")
    assert str(timezone["TZID"]) == "Europe/London"
    assert event.decoded("dtstart") == edition.info_session_at.replace(microsecond=0)
    assert event["dtstart"].params["TZID"] == "Europe/London"
    assert str(event["summary"]) == (
        f"Leo Panitch Leadership Programme {edition.name}: information session"
    )
    assert str(event["location"]) == "https://meet.example.org/info"


def test_without_an_information_session_there_is_no_calendar_file(client, edition):
    edition.info_session_at = None
    edition.save(update_fields=["info_session_at"])

    assert client.get("/information-session.ics").status_code == 404


def test_your_account_is_a_page_of_its_own(client, person):
    page = client.get("/account/").content.decode()

    assert '<h1 class="h2">Your account</h1>' in page
    assert "You sign in with <strong>sam@example.org</strong>" in page
    assert 'href="/accounts/password/change/">Change your password</a>' in page
    assert 'href="/application/">See your application' in page
    assert '<form method="post" action="/accounts/logout/">' in page
    assert '<a href="/account/" aria-current="page">Your account</a>' in page


def test_your_account_needs_signing_in(client, db):
    assert client.get("/account/")["Location"] == "/accounts/login/?next=/account/"


def test_every_step_shows_the_deadline_and_the_first_says_what_to_have_ready(
    client, edition, person
):
    first = client.get("/apply/about/").content.decode()
    later = client.get("/apply/referees/").content.decode()

    closes = f"{timezone.localtime(edition.applications_close_at):%H:%M on %A %-d %B %Y}"
    for page in (first, later):
        assert f"Applications close at <strong>{closes}</strong>." in page
    assert "Before you start" in first
    assert "the names, email addresses and roles of two political referees" in first
    assert "Before you start" not in later


def test_the_membership_step_shows_how_to_join(client, edition, person, settings):
    settings.PANITCH_JOIN_URL = "https://join.example.org/"

    page = client.get("/apply/membership/").content.decode()

    assert '<a href="https://join.example.org/" rel="noopener">join Momentum</a>' in page
    assert Application.objects.count() == 0


def test_the_check_and_submit_page_shows_the_deadline_too(client, edition, person):
    ApplicationFactory(edition=edition, applicant=person, status="draft", submitted_at=None)

    page = client.get("/apply/review/").content.decode()

    closes = f"{timezone.localtime(edition.applications_close_at):%H:%M on %A %-d %B %Y}"
    assert f"Applications close at <strong>{closes}</strong>." in page
