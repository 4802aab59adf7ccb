"""A participant, on a phone, makes their calendar link and copies it."""

from playwright.sync_api import expect

from sessions import calendar_feeds
from sessions.models import CalendarFeed
from tests.cohorts.factories import CohortFactory
from tests.sessions.reminder_factories import SessionFactory, participant

from .axe import assert_accessible

PASSWORD = "correct-horse-battery"


def test_participant_makes_and_copies_their_calendar_link(page, live_server):
    cohort = CohortFactory(name="Leeds")
    ana = participant(cohort=cohort, email="ana@example.org").person
    SessionFactory(cohort=cohort, title="Winnable campaigns")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("ana@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.locator(".signed-in-as")).to_contain_text("Signed in as ana@example.org")

    page.goto("/schedule/calendar/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your calendar")
    expect(page.get_by_text("You have no calendar link yet.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Make my calendar link").click()
    expect(page.get_by_role("status").first).to_have_text("Your calendar link is ready.")
    url = calendar_feeds.feed_url(CalendarFeed.objects.get(owner=ana))
    link = page.get_by_role("textbox", name="Private link to your calendar")
    expect(link).to_have_value(url)
    expect(page.get_by_role("link", name="Subscribe in your calendar app")).to_have_attribute(
        "href", "webcal://" + url.split("://", 1)[1]
    )
    assert_accessible(page)

    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url
    assert_accessible(page)

    # The link it copied is the feed, with the session in it.
    feed = page.request.get(live_server.url + calendar_feeds.feed_path(ana.calendar_feed))
    assert feed.status == 200
    assert "SUMMARY:Winnable campaigns" in feed.text()


def test_without_javascript_the_link_is_there_to_select(browser, live_server, transactional_db):
    cohort = CohortFactory(name="Leeds")
    ana = participant(cohort=cohort, email="ana@example.org").person
    feed = calendar_feeds.feed_regenerate(owner=ana)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill("ana@example.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign In", exact=True).click()
        page.goto("/schedule/calendar/")
        expect(page.get_by_role("textbox", name="Private link to your calendar")).to_have_value(
            calendar_feeds.feed_url(feed)
        )
        expect(page.get_by_role("button", name="Copy link")).to_be_hidden()
    finally:
        context.close()
