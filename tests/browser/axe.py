"""Accessibility checks with axe-core, through axe-playwright-python."""

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()


_scanning = set()


def is_scanning(page) -> bool:
    return page is not None and id(page) in _scanning


def assert_accessible(page) -> None:
    """Fail, with axe's report, if axe-core finds any violation on the page as it is now."""
    _scanning.add(id(page))
    try:
        results = _axe.run(page)
        page.evaluate("() => new Promise(requestAnimationFrame)")  # its console messages in
    finally:
        _scanning.discard(id(page))
    assert results.violations_count == 0, (
        f"axe found {results.violations_count} violation(s) on {page.url}:\n"
        f"{results.generate_report()}"
    )
