"""The Content-Security-Policy in Chromium: it blocks what is injected, and no page of ours or
of the admin needs anything it forbids (the page fixture fails a test on any violation)."""

import pytest
from playwright.sync_api import expect

from applications.models import OutcomeEmail
from tests.applications.factories import application_with_referees
from tests.factories import UserFactory

from .conftest import PHONE, is_csp_violation


def test_the_policy_blocks_an_inline_script_and_style_put_into_a_page(browser, live_server, db):
    context = browser.new_context(base_url=live_server.url, **PHONE)
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(message))
    page.goto("/")

    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true";
          document.body.append(script);
          document.body.insertAdjacentHTML("beforeend", '<p id="styled" style="color: red">x</p>');
        }"""
    )

    assert page.evaluate("() => window.injected === undefined")
    color = page.evaluate("() => getComputedStyle(document.getElementById('styled')).color")
    assert color != "rgb(255, 0, 0)"
    refused = [m.text.split(" violates", 1)[0] for m in console if is_csp_violation(m)]
    assert refused == ["Executing inline script", "Applying inline style"]
    context.close()


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.locator(".signed-in-as")).to_be_attached()


ADMIN_PAGES = [
    "/admin/",
    "/admin/applications/application/",
    "/admin/applications/application/export/",
    "/admin/applications/decisionrelease/",
    "/admin/applications/outcomeemail/add/",
    "/admin/panitch/edition/add/",
    "/admin/panitch/outboxemail/",
    "/admin/panitch/user/",
    "/admin/auth/group/add/",
    "/admin/django_celery_beat/periodictask/",
    "/admin/django_celery_beat/periodictask/add/",
    "/admin/django_celery_beat/crontabschedule/add/",
]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_open_under_the_policy(page, path):
    UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    application_with_referees()
    sign_in(page, "root@example.org")

    response = page.goto(path)

    assert response.status == 200
    # The admin's own scripts ran: its sidebar toggle or theme toggle is wired up.
    expect(page.locator("html[data-theme]")).to_have_count(1)


def test_admin_scripts_work_under_the_policy(page, live_server):
    UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    application = application_with_referees(decision="accepted")
    wording = OutcomeEmail.objects.create(decision="accepted", subject="Hi", body_text="Hi")
    sign_in(page, "root@example.org")

    page.goto("/admin/applications/application/")
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")

    page.goto("/admin/panitch/edition/add/")
    page.get_by_role("link", name="Today").first.click()
    expect(page.locator("#id_applications_open_at_0")).not_to_have_value("")

    page.goto(f"/admin/applications/outcomeemail/{wording.pk}/preview/")
    expect(page.get_by_role("heading", name="HTML")).to_be_visible()
    expect(page.locator("select[name=application]")).to_have_value(str(application.pk))


def test_a_reviewers_change_list_opens_under_the_policy(page):
    UserFactory(email="rosa@example.org", role="Reviewer")
    application_with_referees()
    sign_in(page, "rosa@example.org")

    page.goto("/admin/applications/application/")

    expect(page.locator("#result_list tbody tr")).to_have_count(0)
    expect(page.locator("style")).to_have_count(0)
