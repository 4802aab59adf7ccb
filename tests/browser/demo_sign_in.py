"""Signing in as one of the demo logins, for the journeys that run on the full demo data."""

from playwright.sync_api import expect

from panitch.demo import DEMO_PASSWORD


def sign_in(page, live_server, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/")
