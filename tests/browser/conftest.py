"""Browser tests: Playwright drives the system Chromium against pytest-django's live server."""

import io
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import sync_playwright

from panitch.demo import load_demo_data

from . import axe

BROWSER_TESTS_DIR = Path(__file__).resolve().parent

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# A phone: most applicants will use one.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def pytest_collection_modifyitems(items):
    """Mark every test under tests/browser as a browser test."""
    for item in items:
        if BROWSER_TESTS_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


def chromium_executable() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        pytest.fail(
            "No Chromium found for the browser tests: install chromium on PATH "
            "or set CHROMIUM_PATH to its executable.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="package")
def browser(django_db_setup):
    """Chromium, shared by every browser test, closed when the last of them has run.

    While Playwright's sync API is running it leaves an asyncio loop marked as running in this
    thread, so Django refuses ORM calls from the test bodies ("You cannot call this from an
    async context") unless DJANGO_ALLOW_ASYNC_UNSAFE is set. It is set only while the browser
    runs, not for the whole pytest session: other tests would inherit it (for example the
    `check --deploy` subprocess, where Django warns about it), and with the browser closed
    there is no loop to excuse. Package scope closes the browser once tests/browser is done.
    """
    executable = chromium_executable()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()


def is_csp_violation(message) -> bool:
    """Chromium reports what the policy blocked on the console: "Refused to load ...",
    "Executing inline script violates the following Content Security Policy directive ..."."""
    return "Content Security Policy" in message.text or message.text.startswith("Refused to")


@pytest.fixture
def page(browser, live_server, transactional_db):
    """A page on a phone-sized screen, with relative URLs resolved against the live server.

    The live server needs a transactional database. Each such test ends by emptying every
    table, so nothing may rely on rows the migrations made: roles are created when granted.
    Every test fails if the Content-Security-Policy blocked anything on any page it visited.
    """
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(10_000)
    violations = []

    def record(message):
        # axe's own probes (its colour-contrast checks) set inline styles the policy refuses;
        # they are the scanner's, not the page's.
        if is_csp_violation(message) and not axe.is_scanning(message.page):
            violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    context.on("console", record)  # every page the test opens, popups included
    page = context.new_page()
    yield page
    context.close()
    assert violations == [], "The Content-Security-Policy blocked something:\n" + "\n".join(
        violations
    )


@pytest.fixture
def demo(transactional_db):
    """The demo edition and accounts, committed so the live server's thread sees them."""
    return load_demo_data()


@pytest.fixture
def full_demo(transactional_db):
    """Every app's demo data, as `make run` loads it (the editions, cohorts and schedules)."""
    call_command("load_demo_data", stdout=io.StringIO())
