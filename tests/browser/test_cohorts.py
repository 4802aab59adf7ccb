"""Cohorts on a phone: a programme admin previews the 2021 allocation, pins one person, re-runs
and commits; the demo participant opens their cohort; a facilitator opens their roster and the
sign-in sheet. axe scans every page on the way."""

from playwright.sync_api import expect

from cohorts.models import AllocationPin, Participant
from panitch.models import OutboxEmail

from .axe import assert_accessible
from .demo_sign_in import sign_in


def test_programme_admin_previews_pins_reruns_and_commits(page, live_server, full_demo):
    sign_in(page, live_server, "admin@example.org")
    page.get_by_role("link", name="Cohorts", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cohorts: 2021")
    expect(page.get_by_text("Solver: optimal")).to_be_visible()
    expect(page.get_by_role("heading", name="London (Weekend A): 20 of 20")).to_be_visible()
    assert_accessible(page)

    london = page.locator(".cohort-plan").filter(
        has=page.get_by_role("heading", name="London (Weekend A): 20 of 20")
    )
    row = london.locator(".plan-row").filter(has_text="Either weekend").first
    name = row.locator("strong").first.inner_text()
    row.get_by_label(f"Cohort for {name}").select_option(label="London (Weekend A)")
    row.get_by_role("button", name="Pin and re-run").click()
    expect(page.get_by_text(f"{name} is pinned to London; the plan is re-run.")).to_be_visible()
    assert AllocationPin.objects.get().application.applicant.get_full_name() == name

    page.get_by_role("link", name="Re-run the plan").click()
    pinned_row = page.locator(".plan-row").filter(has_text=name).filter(has_text="pinned")
    expect(pinned_row).to_have_count(1)
    assert_accessible(page)

    page.get_by_label(
        "Create these 40 participants and email each of them their cohort now"
    ).check()
    page.get_by_role("button", name="Commit the allocation").click()
    expect(
        page.get_by_text("Committed: 40 participants, each emailed their cohort.")
    ).to_be_visible()
    assert_accessible(page)
    assert (
        Participant.objects.get(person__first_name=name.split()[0], edition__year=2021).cohort.name
        == "London"
    )
    assert OutboxEmail.objects.filter(kind="cohort_allocated").count() == 40


def test_participant_opens_their_cohort(page, live_server, full_demo):
    sign_in(page, live_server, "participant@example.org")
    page.get_by_role("link", name="Your cohort").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cohort: London")
    expect(page.get_by_text("Priya Chandra")).to_be_visible()
    expect(page.get_by_role("heading", name="The others in your cohort (19)")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Dietary needs").fill("Vegan")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Thank you: your answers are saved.")).to_be_visible()
    assert Participant.objects.get(person__email="participant@example.org").dietary_needs == "Vegan"


def test_facilitator_opens_roster_and_sign_in_sheet(page, live_server, full_demo):
    sign_in(page, live_server, "facilitator@example.org")
    page.get_by_role("link", name="Your rosters").click()
    assert_accessible(page)
    page.get_by_role("link", name="London").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Roster: London")
    expect(page.get_by_text("20 participants of 20 places.")).to_be_visible()
    fits = page.locator("main").evaluate("el => el.scrollWidth <= el.clientWidth")
    assert fits, "the roster scrolls sideways on a phone"
    assert_accessible(page)
    page.get_by_role("link", name="Sign-in sheet").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign-in sheet: London")
    expect(page.locator("td.signature")).to_have_count(40)
    assert_accessible(page)
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
