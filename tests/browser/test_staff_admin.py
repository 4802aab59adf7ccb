"""The admin pages staff work in, scanned by axe: the edition page (every date and time box
labelled) and the application page and list (no empty headers; the list fits 1280 px)."""

import pytest
from playwright.sync_api import expect

from applications import decisions
from tests.applications.factories import ReviewFactory, application_with_referees
from tests.factories import EditionFactory, UserFactory

from .axe import assert_accessible

PASSWORD = "correct-horse-battery"


def admin_sign_in(page, user):
    page.goto("/accounts/login/?next=/admin/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme administration")


@pytest.fixture
def programme_admin(transactional_db):
    return UserFactory(email="pat.admin@example.org", first_name="Pat", role="Programme admin")


def test_the_edition_admin_page_labels_every_date_and_time_box(page, programme_admin):
    edition = EditionFactory(year=2031)
    admin_sign_in(page, programme_admin)

    page.goto(f"/admin/panitch/edition/{edition.pk}/change/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Change edition")
    # Each of the six moments has a date box and a time box of its own, each labelled.
    expect(page.get_by_label("Date:")).to_have_count(6)
    expect(page.get_by_label("Time:")).to_have_count(6)
    assert page.locator("#id_applications_open_at_0").input_value() == "12/04/2031"
    assert_accessible(page)


def test_the_application_page_and_list_are_accessible_and_fit_a_laptop(
    page, browser, live_server, programme_admin
):
    edition = EditionFactory(year=2031)
    application = application_with_referees(edition=edition, references=1)
    ReviewFactory(application=application)
    decisions.decision_record(application=application, decision="waitlisted", by=programme_admin)
    admin_sign_in(page, programme_admin)

    page.goto(f"/admin/applications/application/{application.pk}/change/")

    expect(page.get_by_role("heading", level=2, name="Decision history")).to_be_visible()
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    assert page.locator("th:empty").count() == 0
    assert_accessible(page)

    laptop = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    try:
        wide = laptop.new_page()
        admin_sign_in(wide, programme_admin)
        wide.goto("/admin/applications/application/")
        for column in ("Status", "Edition", "Submitted"):
            expect(wide.locator("#result_list thead th", has_text=column).first).to_be_visible()
        fits = wide.locator("#changelist-form .results").evaluate(
            "element => element.scrollWidth <= element.clientWidth"
        )
        assert fits, "the application list scrolls sideways at 1280 px"
        assert_accessible(wide)
    finally:
        laptop.close()
