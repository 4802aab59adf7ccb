"""Accessibility checks with axe-core, through axe-playwright-python."""

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()


def assert_accessible(page) -> None:
    """Fail, with axe's report, if axe-core finds any violation on the page as it is now."""
    results = _axe.run(page)
    assert results.violations_count == 0, (
        f"axe found {results.violations_count} violation(s) on {page.url}:\n"
        f"{results.generate_report()}"
    )
