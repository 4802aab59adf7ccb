"""The foundation in a browser: the home page, signing in as each role, the navigation, 404s."""

import pytest
from playwright.sync_api import expect

from panitch.demo import DEMO_LOGINS, DEMO_PASSWORD

from .axe import assert_accessible

LOGINS = {login.email: login for login in DEMO_LOGINS}


def main_nav(page):
    return page.get_by_role("navigation", name="Main")


def test_home_page_shows_the_edition_and_is_accessible(page, demo):
    response = page.goto("/")

    assert response.status == 200
    expect(page).to_have_title("Leo Panitch Leadership Programme 2021")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Leo Panitch Leadership Programme 2021"
    )
    expect(page.get_by_role("heading", name="Applications", exact=True)).to_be_visible()
    expect(
        page.get_by_text("Applications for 2021 have closed. The programme runs every year")
    ).to_be_visible()
    expect(page.get_by_text("In-person weekend A, London")).to_be_visible()
    expect(main_nav(page).get_by_role("link")).to_have_text(
        ["Home", "Sign in", "Create an account"]
    )
    expect(main_nav(page).get_by_role("link", name="Home")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    assert_accessible(page)


# The foundation's own navigation links and where they go; later apps add links of their own.
FOUNDATION_NAV = {
    "Home": "/",
    "Staff admin": "/admin/",
    "Editions": "/admin/panitch/edition/",
    "Outbox": "/admin/panitch/outboxemail/",
    "Your account": "/account/",
}


@pytest.mark.parametrize(
    ("email", "nav_links", "signed_in_as"),
    [
        pytest.param(
            "admin@example.org",
            ["Home", "Staff admin", "Editions", "Outbox", "Your account"],
            "Signed in as admin@example.org · Programme admin",
            id="programme-admin",
        ),
        pytest.param(
            "reviewer@example.org",
            ["Home", "Staff admin", "Your account"],
            "Signed in as reviewer@example.org · Reviewer",
            id="reviewer",
        ),
        pytest.param(
            "facilitator@example.org",
            ["Home", "Your account"],
            "Signed in as facilitator@example.org · Facilitator",
            id="facilitator",
        ),
        pytest.param(
            "applicant1@example.org",
            ["Home", "Your account"],
            "Signed in as applicant1@example.org",
            id="applicant",
        ),
    ],
)
def test_demo_user_signs_in_and_sees_their_roles_navigation(
    page, live_server, demo, email, nav_links, signed_in_as
):
    login = LOGINS[email]
    assert login in demo

    page.goto("/")
    main_nav(page).get_by_role("link", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page).to_have_title("Sign In · Leo Panitch Leadership Programme")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign In")
    assert_accessible(page)

    page.get_by_label("Email").fill(login.email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Leo Panitch Leadership Programme 2021"
    )
    nav = main_nav(page)
    for label, url in FOUNDATION_NAV.items():
        link = nav.get_by_role("link", name=label, exact=True)
        if label in nav_links:
            expect(link).to_have_attribute("href", url)
        else:
            expect(link).to_have_count(0)
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    expect(nav.get_by_role("link", name="Sign in")).to_have_count(0)
    expect(page.locator(".signed-in-as")).to_have_text(signed_in_as)
    assert_accessible(page)


@pytest.mark.parametrize(
    "email",
    [
        pytest.param("admin@example.org", id="programme-admin"),
        pytest.param("reviewer@example.org", id="reviewer"),
    ],
)
def test_staff_open_the_admin_from_the_navigation(page, live_server, demo, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/")

    main_nav(page).get_by_role("link", name="Staff admin").click()

    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme administration")
    # The admin index passes axe; the change lists do not (Django's own breadcrumbs fail
    # link-in-text-block), and Django's admin templates are not ours to fix, so only the index.
    assert_accessible(page)


def test_unknown_url_shows_our_404_page(page, demo):
    response = page.goto("/no-such-page/")

    assert response.status == 404
    expect(page).to_have_title("Page not found")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    page.get_by_role("main").get_by_role("link", name="Go to the home page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Leo Panitch Leadership Programme 2021"
    )
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(page)
