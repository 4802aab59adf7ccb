"""From "Apply now" to step 1 on a phone: sign up, confirm the email, and land on the form
signed in, with no second password entry; the step pages are compact and count down."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from panitch.models import OutboxEmail
from tests.factories import open_edition_now

from .axe import assert_accessible


@pytest.fixture
def open_edition(transactional_db):
    return open_edition_now()


def test_apply_now_to_step_one_in_three_page_loads_after_confirming(
    page, live_server, open_edition
):
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name="Apply now").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/signup/?next=/apply/")
    assert_accessible(page)

    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Email").fill("sam.okafor@example.org")
    page.get_by_role("textbox", name=re.compile(r"^Password\*?$")).fill("Harehills-renters-2021")
    page.get_by_label("Password (again)").fill("Harehills-renters-2021")
    expect(page.get_by_label("First name")).to_have_attribute("autocomplete", "given-name")
    page.get_by_role("button", name="Sign Up").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/confirm-email/")
    assert_accessible(page)

    email = OutboxEmail.objects.get(kind="email_confirmation_signup")
    base = re.escape(settings.PANITCH_BASE_URL)
    path = re.search(rf"{base}(/accounts/confirm-email/[^/\s]+/)", email.body_text).group(1)

    loads = []
    page.on(
        "framenavigated",
        lambda frame: loads.append(frame.url) if frame == page.main_frame else None,
    )
    page.goto(live_server.url + path)  # 1: the link in the email
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Email Address")
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()  # 2 and 3: confirm, then step 1

    expect(page).to_have_url(f"{live_server.url}/apply/about/")
    expect(page.get_by_role("heading", level=1)).to_have_text("About you")
    expect(page.locator(".signed-in-as")).to_have_text("Signed in as sam.okafor@example.org")
    assert len(loads) <= 3, loads
    expect(page.get_by_role("heading", name="Before you start")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Sam")
    expect(page.get_by_label("Phone number")).to_have_attribute("type", "tel")
    expect(page.get_by_label("Postcode")).to_have_attribute("autocomplete", "postal-code")

    # The progress is one line; the full list opens without JavaScript.
    summary = page.locator(".progress-compact summary")
    expect(summary).to_have_text("Step 1 of 10 · About you (show all steps)")
    expect(page.locator(".progress-steps")).not_to_be_visible()
    summary.click()
    expect(page.locator(".progress-steps li")).to_have_count(10)
    assert_accessible(page)


def test_long_answers_count_down_what_is_left(page, live_server, open_edition):
    from tests.factories import UserFactory

    user = UserFactory(email="sam@example.org", password="correct-horse-battery")
    page.goto("/accounts/login/?next=/apply/experience/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/apply/experience/")

    box = page.get_by_label("What have you done, and what did it achieve?")
    expect(box).to_have_accessible_description(
        re.compile(r"Up to 3,000 characters\. 3,000 of 3,000 characters left")
    )
    box.fill("Two years organising.")
    expect(page.locator("#id_experience_charcount")).to_have_text("2,979 of 3,000 characters left")
    assert_accessible(page)
