"""The iCalendar a feed serves, read back by an independent parser (vobject)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import vobject

from sessions import calendar_feeds
from sessions.enums import Part
from tests.cohorts.factories import CohortFactory
from tests.sessions.reminder_factories import SessionFactory, WeekendSessionFactory, participant

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort():
    return CohortFactory(
        name="London",
        edition__year=2031,
        venue_name="Bishopsgate Institute",
        venue_address="230 Bishopsgate",
        venue_city="London",
    )


def feed_text(client, feed):
    response = client.get(calendar_feeds.feed_path(feed))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return response.content.decode()


def parsed_feed(client, feed):
    return vobject.readOne(feed_text(client, feed))


def by_summary(calendar):
    return {event.summary.value: event for event in calendar.contents.get("vevent", [])}


def test_feed_times_are_exact_in_utc_in_summer_and_winter(client, cohort):
    ana = participant(cohort=cohort, email="ana@example.org").person
    summer = WeekendSessionFactory(
        cohort=cohort,
        title="Class politics",
        starts_at=dt.datetime(2031, 8, 9, 10, tzinfo=LONDON),
        ends_at=dt.datetime(2031, 8, 9, 11, 30, tzinfo=LONDON),
    )
    winter = SessionFactory(
        cohort=None,
        edition=cohort.edition,
        part=Part.CLOSING,
        title="Socialist strategy",
        starts_at=dt.datetime(2031, 11, 22, 10, tzinfo=LONDON),
        ends_at=dt.datetime(2031, 11, 22, 12, tzinfo=LONDON),
    )
    feed = calendar_feeds.feed_regenerate(owner=ana)

    text = feed_text(client, feed)
    calendar = vobject.readOne(text)
    events = by_summary(calendar)
    assert sorted(events) == ["Class politics", "Socialist strategy"]
    bst, gmt = events["Class politics"], events["Socialist strategy"]
    assert bst.dtstart.value.astimezone(UTC) == dt.datetime(2031, 8, 9, 9, tzinfo=UTC)
    assert bst.dtend.value.astimezone(UTC) == dt.datetime(2031, 8, 9, 10, 30, tzinfo=UTC)
    assert gmt.dtstart.value.astimezone(UTC) == dt.datetime(2031, 11, 22, 10, tzinfo=UTC)
    assert gmt.dtend.value.astimezone(UTC) == dt.datetime(2031, 11, 22, 12, tzinfo=UTC)
    # Times are written in the London zone, which the calendar itself defines (vobject
    # builds its zones from the VTIMEZONE, so the UTC times above check the VTIMEZONE too).
    assert "DTSTART;TZID=Europe/London:20310809T100000\r\n" in text
    assert "DTSTART;TZID=Europe/London:20311122T100000\r\n" in text
    (zone,) = calendar.vtimezone_list
    assert zone.tzid.value == "Europe/London"
    assert bst.uid.value == f"session-{summer.pk}@127.0.0.1"
    assert gmt.uid.value == f"session-{winter.pk}@127.0.0.1"
    assert bst.location.value == "Bishopsgate Institute, 230 Bishopsgate, London"
    assert gmt.location.value == "Online"
    assert calendar.method.value == "PUBLISH"


def test_feed_leaves_out_to_be_confirmed_and_marks_cancelled_with_sequence(client, cohort):
    ana = participant(cohort=cohort, email="ana@example.org").person
    SessionFactory(cohort=cohort, title="Free session", starts_at=None, ends_at=None)
    cancelled = SessionFactory(
        cohort=cohort,
        title="Power-mapping",
        cancelled_at=dt.datetime(2031, 9, 1, tzinfo=UTC),
        sequence=3,
    )
    kept = SessionFactory(cohort=cohort, title="Winnable campaigns", sequence=2)
    feed = calendar_feeds.feed_regenerate(owner=ana)

    events = by_summary(parsed_feed(client, feed))
    assert sorted(events) == ["Power-mapping", "Winnable campaigns"]
    assert events["Power-mapping"].status.value == "CANCELLED"
    assert events["Power-mapping"].sequence.value == "3"
    assert events["Winnable campaigns"].status.value == "CONFIRMED"
    assert events["Winnable campaigns"].sequence.value == "2"
    assert events["Power-mapping"].uid.value == f"session-{cancelled.pk}@127.0.0.1"
    # The feed points to the schedule page, which shows the joining link at the right time.
    assert events["Winnable campaigns"].url.value == "http://127.0.0.1:8000/schedule/"
    assert kept.joining_url not in events["Winnable campaigns"].description.value


def test_a_dated_session_appears_and_its_uid_stays_when_moved(client, cohort):
    ana = participant(cohort=cohort, email="ana@example.org").person
    session = SessionFactory(cohort=cohort, title="Free session", starts_at=None, ends_at=None)
    feed = calendar_feeds.feed_regenerate(owner=ana)
    assert by_summary(parsed_feed(client, feed)) == {}

    session.starts_at = dt.datetime(2031, 10, 1, 18, tzinfo=LONDON)
    session.ends_at = session.starts_at + dt.timedelta(hours=2)
    session.sequence = 1
    session.save()
    event = by_summary(parsed_feed(client, feed))["Free session"]
    assert (event.uid.value, event.sequence.value) == (f"session-{session.pk}@127.0.0.1", "1")
    assert event.dtstart.value.astimezone(UTC) == dt.datetime(2031, 10, 1, 17, tzinfo=UTC)
