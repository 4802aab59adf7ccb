"""The schedule page and session page: next session first, past below, the count done, TBC as
its own state, joining links by role and by time, and 404 for anyone else's session."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions.models import Material, ScheduleSettings
from sessions.selectors import joining_link, reach_of, schedule_for
from tests.cohorts.factories import ParticipantFactory
from tests.factories import UserFactory
from tests.sessions.conftest import signed_in
from tests.sessions.reminder_factories import SessionFactory, WeekendSessionFactory

HOUR = dt.timedelta(hours=1)


def online(cohort, *, starts_in, **kwargs):
    starts = timezone.now() + starts_in
    return SessionFactory(cohort=cohort, starts_at=starts, ends_at=starts + 2 * HOUR, **kwargs)


def test_the_next_session_comes_first_past_ones_below_with_the_count_done(london, londoner):
    WeekendSessionFactory(cohort=london, position=1, title="Class politics")
    online(london, starts_in=-48 * HOUR, position=2, title="Collective care")
    online(london, starts_in=72 * HOUR, position=4, title="Report-back")
    online(london, starts_in=24 * HOUR, position=5, title="Speaking with confidence")
    SessionFactory(cohort=london, position=3, title="Free session", starts_at=None)

    page = signed_in(londoner.person).get("/schedule/").content.decode()

    assert "<strong>2 of 5</strong> sessions done" in page
    assert '<a href="/schedule/calendar/">Add your sessions to your calendar app</a>' in page
    order = [
        page.index(f">{text}</")
        for text in (
            "Next",
            "Speaking with confidence",
            "Coming up",
            "Report-back",
            "Free session",
            "Past sessions",
            "Collective care",
            "Class politics",
        )
    ]
    assert order == sorted(order)


def test_a_tbc_session_says_to_be_confirmed_on_both_pages(london, londoner):
    session = SessionFactory(cohort=london, starts_at=None, title="Free session")
    client = signed_in(londoner.person)

    schedule = client.get("/schedule/").content.decode()
    detail = client.get(f"/schedule/sessions/{session.pk}/").content.decode()

    assert '<span class="badge tbc">To be confirmed</span>' in schedule
    assert '<dt>When</dt>\n  <dd><span class="badge tbc">To be confirmed</span></dd>' in detail
    assert "once its date is confirmed" in detail


def test_the_link_shows_from_thirty_minutes_before_and_not_earlier(london, londoner):
    soon = online(
        london, starts_in=dt.timedelta(minutes=20), joining_url="https://meet.example.org/soon"
    )
    later = online(
        london, starts_in=dt.timedelta(minutes=45), joining_url="https://meet.example.org/later"
    )
    client = signed_in(londoner.person)

    soon_page = client.get(f"/schedule/sessions/{soon.pk}/").content.decode()
    later_page = client.get(f"/schedule/sessions/{later.pk}/").content.decode()

    assert 'href="https://meet.example.org/soon"' in soon_page
    assert "https://meet.example.org/later" not in later_page
    opens = timezone.localtime(later.starts_at - dt.timedelta(minutes=30))
    assert f"The joining link appears here from {opens:%H:%M} on" in later_page


def test_the_time_before_the_link_shows_is_set_per_edition(edition, london, londoner):
    ScheduleSettings.objects.create(edition=edition, joining_link_minutes=60)
    session = online(
        london, starts_in=dt.timedelta(minutes=45), joining_url="https://meet.example.org/x"
    )

    page = signed_in(londoner.person).get(f"/schedule/sessions/{session.pk}/").content.decode()

    assert 'href="https://meet.example.org/x"' in page


def test_joining_link_states_by_time():
    session = SessionFactory.build(
        format="online",
        starts_at=dt.datetime(2041, 9, 1, 17, tzinfo=dt.UTC),
        ends_at=dt.datetime(2041, 9, 1, 19, tzinfo=dt.UTC),
        joining_url="https://m.example.org",
    )
    lead = dt.timedelta(minutes=30)

    assert (
        joining_link(session, lead=lead, at=dt.datetime(2041, 9, 1, 16, 29, tzinfo=dt.UTC)).state
        == "later"
    )
    assert (
        joining_link(session, lead=lead, at=dt.datetime(2041, 9, 1, 16, 30, tzinfo=dt.UTC)).url
        == "https://m.example.org"
    )
    assert (
        joining_link(session, lead=lead, at=dt.datetime(2041, 9, 1, 19, 1, tzinfo=dt.UTC)).state
        == "over"
    )


def test_the_link_shows_to_the_cohort_its_facilitators_and_staff_only(
    london, leeds, londoner, leeds_participant, london_facilitator, leeds_facilitator, admin_user
):
    session = online(
        london, starts_in=dt.timedelta(minutes=10), joining_url="https://meet.example.org/l"
    )
    guest = UserFactory(role="Facilitator")
    session.facilitators.add(guest)
    url = f"/schedule/sessions/{session.pk}/"

    for person in (londoner.person, london_facilitator, guest, admin_user):
        assert 'href="https://meet.example.org/l"' in signed_in(person).get(url).content.decode()
    for person in (leeds_participant.person, leeds_facilitator, UserFactory()):
        assert signed_in(person).get(url).status_code == 404


def test_a_shared_session_shows_to_every_cohort_of_its_edition_only(
    edition, london, leeds, londoner, leeds_participant, leeds_facilitator
):
    start = timezone.now() + dt.timedelta(minutes=5)
    closing = SessionFactory(
        cohort=None,
        edition=edition,
        part="closing",
        starts_at=start,
        ends_at=start + HOUR,
        joining_url="https://meet.example.org/closing",
    )
    other_edition_participant = ParticipantFactory()
    url = f"/schedule/sessions/{closing.pk}/"

    for person in (londoner.person, leeds_participant.person, leeds_facilitator):
        assert (
            'href="https://meet.example.org/closing"' in signed_in(person).get(url).content.decode()
        )
    assert signed_in(other_edition_participant.person).get(url).status_code == 404


def test_a_withdrawn_participant_no_longer_sees_the_schedule(london, londoner):
    session = online(london, starts_in=HOUR)
    londoner.status = "withdrawn"
    londoner.save()

    assert signed_in(londoner.person).get(f"/schedule/sessions/{session.pk}/").status_code == 404


def test_the_session_page_shows_description_materials_format_place_and_facilitators(
    london, londoner, london_facilitator
):
    session = WeekendSessionFactory(
        cohort=london, title="Class politics", description="Who owns, who works, who decides."
    )
    Material.objects.create(session=session, title="Reading list", url="https://example.org/r")

    page = signed_in(londoner.person).get(f"/schedule/sessions/{session.pk}/").content.decode()

    assert "Who owns, who works, who decides." in page
    assert '<a href="https://example.org/r">Reading list</a> (link)' in page
    assert "<dt>Format</dt>\n  <dd>In person</dd>" in page
    assert "Community hall<br>1 High Street<br>London" in page
    assert "<dt>Facilitators</dt>\n  <dd>Priya " in page


def test_the_schedule_page_queries_do_not_grow_with_sessions(london, londoner):
    client = signed_in(londoner.person)
    for number in range(2):
        online(london, starts_in=(number - 1) * 24 * HOUR).facilitators.add(UserFactory())
    client.get("/schedule/")
    with CaptureQueriesContext(connection) as few:
        client.get("/schedule/")
    for number in range(15):
        online(london, starts_in=(number - 7) * 24 * HOUR).facilitators.add(UserFactory())
    with CaptureQueriesContext(connection) as many:
        page = client.get("/schedule/").content.decode()

    assert "of 17</strong> sessions done" in page
    assert len(many) == len(few)


def test_the_facilitators_schedule_offers_the_register_of_started_sessions(
    london, london_facilitator
):
    started = online(london, starts_in=-HOUR, title="Collective care")
    online(london, starts_in=HOUR, title="Teams")

    schedule = schedule_for(reach_of(london_facilitator))

    assert [(e.session.title, e.can_take_register) for e in schedule.upcoming] == [
        ("Collective care", True),
        ("Teams", False),
    ]
    page = signed_in(london_facilitator).get("/schedule/").content.decode()
    assert f'href="/schedule/sessions/{started.pk}/register/"' in page


def test_a_facilitator_sees_only_the_newest_edition_they_lead(london, london_facilitator):
    from tests.cohorts.factories import CohortFactory
    from tests.factories import EditionFactory

    older = CohortFactory(
        edition=EditionFactory(year=london.edition.year - 1),
        name="London",
        facilitators=[london_facilitator],
    )
    online(older, starts_in=-400 * 24 * HOUR, position=1, title="Last year session")
    online(london, starts_in=-48 * HOUR, position=1, title="This year past session")
    online(london, starts_in=48 * HOUR, position=2, title="This year next session")

    page = signed_in(london_facilitator).get("/schedule/").content.decode()

    assert "<strong>1 of 2</strong> sessions done" in page
    assert "This year next session" in page
    assert "Last year session" not in page
