"""Bulk decisions in the admin: a confirmation page that lists the applications and warns
about missing reviews and references, an optional note, and an extra tick while the edition is
still open for applications."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.models import Application, DecisionChange
from tests.applications.factories import ReviewFactory, application_with_referees
from tests.factories import EditionFactory, UserFactory

CHANGELIST = "/admin/applications/application/"


@pytest.fixture
def programme_admin(client, db):
    user = UserFactory(email="pat.admin@example.org", role="Programme admin")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def closed_edition(db):
    """Applications closed yesterday; two reviews wanted per application."""
    now = timezone.now()
    return EditionFactory(
        year=now.year + 3,
        applications_open_at=now - dt.timedelta(days=30),
        applications_close_at=now - dt.timedelta(days=1),
        reviews_per_application=2,
    )


@pytest.fixture
def three(closed_edition):
    """Fully reviewed; one review and one reference; no review and no reference."""
    full = application_with_referees(edition=closed_edition, references=2)
    ReviewFactory.create_batch(2, application=full)
    partly = application_with_referees(edition=closed_edition, references=1)
    ReviewFactory(application=partly)
    bare = application_with_referees(edition=closed_edition, references=0)
    return [full, partly, bare]


def choose(client, action, applications):
    return client.post(
        CHANGELIST,
        {"action": action, "index": "0", "_selected_action": [a.pk for a in applications]},
    )


def confirm(client, action, applications, **extra):
    return client.post(
        CHANGELIST,
        {
            "action": action,
            "_selected_action": [a.pk for a in applications],
            "confirmed": "yes",
            **extra,
        },
        follow=True,
    )


def test_choosing_the_action_asks_first_and_lists_warnings(programme_admin, three):
    full, partly, bare = three

    response = choose(programme_admin, "decide_accepted", three)

    assert response.status_code == 200
    assert response.template_name == "admin/applications/application/decide_confirmation.html"
    rows = {row.application.pk: row.warnings for row in response.context["rows"]}
    assert rows == {
        full.pk: [],
        partly.pk: ["Only 1 of 2 reviews", "References: 1 of 2 received"],
        bare.pk: ["No review yet", "References: 0 of 2 received"],
    }
    page = response.content.decode()
    assert "<title>Decide: accepted for 3 application(s)? | " in page
    assert "2 of these applications are not fully reviewed or still waiting for references." in (
        page
    )
    assert 'name="confirm_open"' not in page  # applications have closed
    assert set(Application.objects.values_list("decision", flat=True)) == {""}
    assert DecisionChange.objects.count() == 0


def test_confirming_records_the_decisions_with_the_note(programme_admin, three):
    response = confirm(programme_admin, "decide_unsuccessful", three, note="Panel meeting, 20 May")

    assert "3 application(s) marked unsuccessful." in response.content.decode()
    assert sorted(DecisionChange.objects.values_list("application", "decision", "note")) == [
        (a.pk, "unsuccessful", "Panel meeting, 20 May") for a in three
    ]
    assert set(Application.objects.values_list("decided_by", flat=True)) == {
        programme_admin.user.pk
    }


def test_a_note_too_long_is_refused_on_the_page(programme_admin, three):
    response = confirm(programme_admin, "decide_accepted", three, note="x" * 201)

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "note": ["Ensure this value has at most 200 characters (it has 201)."]
    }
    assert DecisionChange.objects.count() == 0


def test_deciding_while_applications_are_open_needs_the_extra_tick(programme_admin, open_edition):
    applications = [application_with_referees(edition=open_edition, references=2)]

    asked = choose(programme_admin, "decide_accepted", applications).content.decode()
    unticked = confirm(programme_admin, "decide_accepted", applications)
    assert Application.objects.get().decision == ""
    ticked = confirm(programme_admin, "decide_accepted", applications, confirm_open="on")

    assert (
        f"Applications to {open_edition.name} are still open: more may arrive. Decide now anyway."
    ) in asked
    assert unticked.context["form"].errors == {
        "confirm_open": ["Tick this to decide while applications are still open."]
    }
    assert "1 application(s) marked accepted." in ticked.content.decode()
    assert Application.objects.get().decision == "accepted"


def test_the_confirmation_page_query_count_does_not_grow_with_applications(
    programme_admin, closed_edition
):
    few = [application_with_referees(edition=closed_edition, references=1) for _ in range(2)]
    with CaptureQueriesContext(connection) as small:
        choose(programme_admin, "decide_accepted", few)
    many = few + [application_with_referees(edition=closed_edition) for _ in range(20)]
    with CaptureQueriesContext(connection) as large:
        response = choose(programme_admin, "decide_accepted", many)

    assert len(response.context["rows"]) == 22
    assert len(large) == len(small)
