"""Private calendar feeds: who sees which sessions, secret URLs, regenerating and revoking."""

import pytest
import vobject
from django.db import connection
from django.test.utils import CaptureQueriesContext

from panitch.enums import Role
from sessions import calendar_feeds
from sessions.enums import Part
from sessions.models import CalendarFeed
from tests.cohorts.factories import CohortFactory
from tests.factories import UserFactory
from tests.sessions.reminder_factories import SessionFactory, participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def leeds():
    return CohortFactory(name="Leeds", edition__year=2031)


@pytest.fixture
def london(leeds):
    return CohortFactory(name="London", edition=leeds.edition)


def summaries(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return sorted(e.summary.value for e in vobject.readOne(response.content.decode()).vevent_list)


def test_participant_feed_holds_their_cohort_and_shared_sessions_only(client, leeds, london):
    ana = participant(cohort=leeds, email="ana@example.org").person
    SessionFactory(cohort=leeds, title="Leeds online")
    SessionFactory(cohort=london, title="London online")
    SessionFactory(cohort=None, edition=leeds.edition, part=Part.CLOSING, title="Closing day")
    feed = calendar_feeds.feed_regenerate(owner=ana)

    assert summaries(client, calendar_feeds.feed_path(feed)) == ["Closing day", "Leeds online"]


def test_facilitator_feeds_hold_what_they_lead_and_their_cohorts(client, leeds, london):
    fola = UserFactory(email="fola@example.org", role=Role.FACILITATOR)
    leeds.facilitators.add(fola)
    SessionFactory(cohort=leeds, title="Leeds online")
    SessionFactory(cohort=london, title="London online")
    SessionFactory(cohort=london, title="London guest slot", facilitators=[fola])
    SessionFactory(cohort=None, edition=leeds.edition, part=Part.CLOSING, title="Closing day")

    own = calendar_feeds.feed_regenerate(owner=fola)
    assert summaries(client, calendar_feeds.feed_path(own)) == [
        "Closing day",
        "Leeds online",
        "London guest slot",
    ]
    cohort_feed = calendar_feeds.feed_regenerate(cohort=london)
    assert summaries(client, calendar_feeds.feed_path(cohort_feed)) == [
        "Closing day",
        "London guest slot",
        "London online",
    ]


def test_feed_is_private_and_never_cached(client, leeds):
    ana = participant(cohort=leeds, email="ana@example.org").person
    feed = calendar_feeds.feed_regenerate(owner=ana)
    response = client.get(calendar_feeds.feed_path(feed))
    assert {"private", "no-store"} <= cache_directives(response)
    assert response["Referrer-Policy"] == "no-referrer"


def test_wrong_revoked_and_unknown_feeds_answer_the_same_404(client, leeds):
    ana = participant(cohort=leeds, email="ana@example.org").person
    feed = calendar_feeds.feed_regenerate(owner=ana)
    path = calendar_feeds.feed_path(feed)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    wrong = f"{feed.pk}-{'0' * 40}"
    unknown = f"{feed.pk + 100}-{token.split('-')[1]}"

    answers = {}
    for name, url in [
        ("wrong", f"/calendar/{wrong}.ics"),
        ("unknown", f"/calendar/{unknown}.ics"),
        ("garbage", "/calendar/not-a-token.ics"),
        ("superscript", f"/calendar/%C2%B2-{'0' * 40}.ics"),
        ("huge", f"/calendar/{'9' * 30}-{'0' * 40}.ics"),
    ]:
        response = client.get(url)
        answers[name] = (response.status_code, response.content, cache_directives(response))
    calendar_feeds.feed_revoke(feed=feed)
    response = client.get(path)
    answers["revoked"] = (response.status_code, response.content, cache_directives(response))

    assert {(status, body) for status, body, _ in answers.values()} == {(404, b"Not found.\n")}
    assert all({"private", "no-store"} <= directives for *_, directives in answers.values())
    # A NUL in any URL is refused before it reaches a view, as everywhere on the site.
    assert client.get("/calendar/%00.ics").status_code == 400


def cache_directives(response) -> frozenset[str]:
    return frozenset(part.strip() for part in response["Cache-Control"].split(","))


def test_regenerating_kills_the_old_url(client, leeds):
    ana = participant(cohort=leeds, email="ana@example.org").person
    old = calendar_feeds.feed_path(calendar_feeds.feed_regenerate(owner=ana))
    new = calendar_feeds.feed_path(calendar_feeds.feed_regenerate(owner=ana))
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert CalendarFeed.objects.count() == 1


def test_the_secret_is_not_stored(leeds):
    ana = participant(cohort=leeds, email="ana@example.org").person
    feed = calendar_feeds.feed_regenerate(owner=ana)
    token = calendar_feeds.feed_path(feed).removeprefix("/calendar/").removesuffix(".ics")
    digest = token.split("-")[1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM schedule_calendarfeed")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert digest not in stored


def test_a_key_rotation_keeps_old_urls_working(client, leeds, settings):
    ana = participant(cohort=leeds, email="ana@example.org").person
    feed = calendar_feeds.feed_regenerate(owner=ana)
    path = calendar_feeds.feed_path(feed)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    assert client.get(path).status_code == 200
    assert calendar_feeds.feed_path(feed) != path


def test_feed_query_count_does_not_grow_with_sessions(client, leeds):
    ana = participant(cohort=leeds, email="ana@example.org").person
    path = calendar_feeds.feed_path(calendar_feeds.feed_regenerate(owner=ana))

    def queries(sessions):
        for _ in range(sessions):
            SessionFactory(cohort=leeds)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    assert queries(1) == queries(19) == 2


# The page that manages them


def test_participant_makes_sees_again_regenerates_and_revokes_their_link(client, leeds):
    ana = participant(cohort=leeds, email="ana@example.org").person
    client.force_login(ana)

    page = client.get("/schedule/calendar/").content.decode()
    assert "You have no calendar link yet." in page
    response = client.post("/schedule/calendar/regenerate/")
    assert response["Location"] == "/schedule/calendar/"
    feed = CalendarFeed.objects.get(owner=ana)
    url = calendar_feeds.feed_url(feed)

    page = client.get("/schedule/calendar/").content.decode()
    assert f'value="{url}"' in page  # shown again on a later visit
    assert f'href="webcal://{url.split("://")[1]}"' in page
    assert "https://calendar.google.com/calendar/render?cid=webcal://" in page

    client.post("/schedule/calendar/regenerate/")
    page = client.get("/schedule/calendar/").content.decode()
    assert url not in page
    feed.refresh_from_db()
    assert calendar_feeds.feed_url(feed) in page

    client.post("/schedule/calendar/revoke/")
    page = client.get("/schedule/calendar/").content.decode()
    assert "Your calendar link is turned off." in page
    assert client.get(calendar_feeds.feed_path(feed)).status_code == 404


def test_only_the_cohorts_facilitators_manage_its_feed(client, leeds, london):
    fola = UserFactory(email="fola@example.org", role=Role.FACILITATOR)
    leeds.facilitators.add(fola)
    client.force_login(fola)

    page = client.get("/schedule/calendar/").content.decode()
    assert "Leeds cohort calendar (2031)" in page
    assert "London cohort calendar" not in page
    assert client.post("/schedule/calendar/regenerate/", {"cohort": leeds.pk}).status_code == 302
    assert client.post("/schedule/calendar/regenerate/", {"cohort": london.pk}).status_code == 404
    assert client.post("/schedule/calendar/revoke/", {"cohort": london.pk}).status_code == 404
    for hostile in ["x", "²", "\x00", "9" * 30]:
        assert client.post("/schedule/calendar/revoke/", {"cohort": hostile}).status_code == 404
    assert list(CalendarFeed.objects.values_list("cohort__name", flat=True)) == ["Leeds"]
    page = client.get("/schedule/calendar/").content.decode()
    assert calendar_feeds.feed_url(CalendarFeed.objects.get(cohort=leeds)) in page


def test_someone_without_sessions_cannot_make_a_feed(client):
    stranger = UserFactory()
    client.force_login(stranger)
    assert "once you have a place" in client.get("/schedule/calendar/").content.decode()
    assert client.post("/schedule/calendar/regenerate/").status_code == 404
    assert not CalendarFeed.objects.exists()


def test_the_calendar_page_needs_signing_in(client):
    response = client.get("/schedule/calendar/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_unchanged_feed_answers_not_modified(client, leeds):
    ana = participant(cohort=leeds, email="ana@example.org").person
    session = SessionFactory(cohort=leeds, title="Leeds online")
    path = calendar_feeds.feed_path(calendar_feeds.feed_regenerate(owner=ana))
    etag = client.get(path)["ETag"]

    assert client.get(path, headers={"if-none-match": etag}).status_code == 304
    assert client.head(path).status_code == 200
    session.title = "Leeds online, new title"
    session.sequence += 1
    session.save()
    changed = client.get(path, headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert b"SUMMARY:Leeds online\\, new title" in changed.content
