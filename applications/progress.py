"""The application form's progress indicator, rendered once per state and kept.

It depends only on the current step, the steps done and whether the person has a draft yet,
so every applicant at the same point shares one rendering.
"""

import functools

from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse

from panitch.navigation import current_urlconf

from .steps import STEPS


def progress_html(*, slug: str | None, completed, linked: bool) -> str:
    """The indicator for step `slug` (None: the check-and-submit page)."""
    done = frozenset(completed) & {step.slug for step in STEPS}
    return _render(slug, done, linked, current_urlconf(), get_script_prefix())


@functools.lru_cache(maxsize=2048)
def _render(slug, done, linked, urlconf, script_prefix):
    steps = [
        {
            "title": step.title,
            "url": reverse("applications:step", args=[step.slug], urlconf=urlconf),
            "done": step.slug in done,
            "current": step.slug == slug,
        }
        for step in STEPS
    ]
    position = next((i for i, s in enumerate(STEPS, 1) if s.slug == slug), len(STEPS) + 1)
    return render_to_string(
        "applications/_progress.html",
        {
            "steps": steps,
            "on_review": slug is None,
            "review_url": reverse("applications:review", urlconf=urlconf),
            "linked": linked,
            "position": position,
            "current_title": STEPS[position - 1].title if slug else "Check and submit",
            "total": len(STEPS) + 1,
        },
    )
