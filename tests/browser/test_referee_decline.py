"""A referee who cannot give a reference says so on their phone, confirming first; the
applicant sees it on their status page and names someone else, who is asked at once."""

import pytest
from playwright.sync_api import expect

from applications.models import Reference
from panitch.models import OutboxEmail
from tests.applications.factories import application_with_referees
from tests.factories import UserFactory, open_edition_now

from .axe import assert_accessible
from .conftest import PHONE


@pytest.fixture
def application(transactional_db):
    applicant = UserFactory(
        email="sam@example.org", first_name="Sam", last_name="Okafor", password="correct-horse"
    )
    return application_with_referees(edition=open_edition_now(), applicant=applicant)


def test_a_referee_declines_after_confirming_and_the_applicant_names_someone_else(
    page, browser, live_server, application
):
    referee = application.referees.get(position=2)
    context = browser.new_context(base_url=live_server.url, **PHONE)
    try:
        referee_page = context.new_page()
        referee_page.goto(f"/reference/{referee.token}/")
        referee_page.get_by_role("button", name="I can't give a reference").click()
        expect(referee_page.get_by_role("heading", level=1)).to_have_text(
            "You can't give a reference for Sam Okafor?"
        )
        assert not Reference.objects.exists()
        assert_accessible(referee_page)
        referee_page.get_by_role("button", name="Yes, I can't give a reference").click()
        expect(referee_page.get_by_role("heading", level=1)).to_have_text("Thank you")
    finally:
        context.close()
    assert list(OutboxEmail.objects.filter(kind="referee_declined").values_list("to")) == [
        ("sam@example.org",)
    ]

    page.goto("/accounts/login/?next=/application/")
    page.get_by_label("Email").fill("sam@example.org")
    page.get_by_label("Password").fill("correct-horse")
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.locator(".referee-state-declined")).to_have_text(
        f"{referee.name} ({referee.email}):\n    said they cannot give a reference",
        use_inner_text=False,
    )
    assert_accessible(page)

    page.get_by_role("link", name="name someone else").click()
    second = page.get_by_role("group", name="Second referee")
    second.get_by_label("Full name").fill("Cleo Referee")
    second.get_by_label("Email").fill("cleo@example.org")
    page.get_by_role("button", name="Save and continue").click()

    expect(
        page.get_by_text("We have emailed Cleo Referee at cleo@example.org to ask for a reference.")
    ).to_be_visible()
    assert OutboxEmail.objects.filter(kind="reference_request", to="cleo@example.org").count() == 1
    assert_accessible(page)
