"""The staff review pages: editions on the reviewer's list, the next application after a
review, programme admins reading every review, and what assignment could not do."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications import decisions, reviews
from applications.models import ReviewAssignment
from tests.applications.factories import ReviewFactory, application_with_referees
from tests.factories import EditionFactory, UserFactory

SCORES = {
    "commitment": "4",
    "experience": "3",
    "project": "5",
    "potential": "4",
    "recommendation": "accept",
    "comment": "Grounded.",
}


def assign(application, reviewer):
    ReviewAssignment.objects.create(application=application, reviewer=reviewer)
    return application


@pytest.fixture
def two_editions(open_edition, reviewer):
    """This year's edition in review and last year's, each with applications on the list."""
    older = EditionFactory(year=open_edition.year - 1)
    return {
        "new": [
            assign(
                application_with_referees(edition=open_edition, project_title=f"New {n}"), reviewer
            )
            for n in range(3)
        ],
        "old": [assign(application_with_referees(edition=older, project_title="Old 0"), reviewer)],
        "older": older,
    }


def titles(response):
    return [a.project_title for a in response.context["applications"]]


def test_the_list_shows_the_newest_edition_by_default_and_marks_it(client, reviewer, two_editions):
    client.force_login(reviewer)
    new_edition = two_editions["new"][0].edition

    default = client.get("/staff/reviews/")
    older = client.get(f"/staff/reviews/?edition={two_editions['older'].pk}")
    every = client.get("/staff/reviews/?edition=all")

    assert titles(default) == ["New 0", "New 1", "New 2"]
    assert (
        f'<a class="nav-link active" href="?edition={new_edition.pk}" aria-current="page">'
        f"{new_edition.name}</a>"
    ) in default.content.decode()
    assert titles(older) == ["Old 0"]
    assert sorted(titles(every)) == ["New 0", "New 1", "New 2", "Old 0"]
    assert f'<td class="d-none d-md-table-cell">{two_editions["older"].name}</td>' in (
        every.content.decode()
    )
    assert client.get("/staff/reviews/?edition=99999").status_code == 404
    assert client.get("/staff/reviews/?edition=%C2%B2").status_code == 200


def test_after_saving_a_review_the_page_offers_the_next_application(client, reviewer, two_editions):
    first, second, third = two_editions["new"]
    ReviewFactory(application=third, reviewer=reviewer)
    client.force_login(reviewer)

    saved = client.post(f"/staff/reviews/{first.pk}/", SCORES, follow=True).content.decode()
    last = client.post(f"/staff/reviews/{second.pk}/", SCORES, follow=True).content.decode()

    assert (
        f'<a href="/staff/reviews/{second.pk}/">Next application to review: '
        f"{second.reference_number}</a>"
    ) in saved
    assert "You have reviewed every application on your list." in last


def test_a_programme_admin_reads_every_review_in_the_staff_pages(
    client, programme_admin_user, open_edition, reviewer
):
    application = application_with_referees(edition=open_edition, project_title="Read me")
    ReviewFactory(
        application=application,
        reviewer=reviewer,
        commitment=5,
        experience=4,
        project=4,
        potential=3,
        comment="Strong local roots.",
    )
    client.force_login(programme_admin_user)

    listing = client.get(f"/staff/reviews/?edition={open_edition.pk}").content.decode()
    page = client.get(f"/staff/reviews/{application.pk}/").content.decode()

    assert "<td>Read me</td>" in listing
    assert "Needs a decision" in listing
    assert "Mean total 16.0 of 20 from 1 review; spread 0." in page
    assert (
        "<li>Rosa Lamb: 16 (Maybe; commitment 5, experience 4, project 4, potential 3)"
        " — Strong local roots.</li>"
    ) in page
    assert "Save my review" not in page
    assert client.post(f"/staff/reviews/{application.pk}/", SCORES).status_code == 403


def test_the_programme_admins_reading_list_query_count_does_not_grow(
    client, programme_admin_user, open_edition
):
    client.force_login(programme_admin_user)

    def make(n):
        for _ in range(n):
            ReviewFactory(application=application_with_referees(edition=open_edition))

    make(2)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/staff/reviews/?edition={open_edition.pk}")
    make(20)
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/staff/reviews/?edition={open_edition.pk}")

    assert len(titles(response)) == 22
    assert len(many) == len(few)


def test_assignment_says_when_it_could_not_reach_the_target(
    client, programme_admin_user, open_edition, reviewer
):
    open_edition.reviews_per_application = 3
    open_edition.save(update_fields=["reviews_per_application"])
    for _ in range(2):
        application_with_referees(edition=open_edition)
    UserFactory(role="Reviewer")  # two reviewers for three wanted per application
    client.force_login(programme_admin_user)

    response = client.post(f"/staff/selection/{open_edition.pk}/assign/", follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "4 new review assignment(s) made.",
        "2 application(s) still have fewer than 3 reviewers: there are not enough reviewers "
        "without a conflict of interest. Add reviewers, then assign again.",
    ]
    assert reviews.assignment_shortfall(edition=open_edition) == 2


def test_the_reviewers_list_never_shows_or_filters_on_decisions(
    client, reviewer, programme_admin_user, open_edition
):
    decided = assign(application_with_referees(edition=open_edition), reviewer)
    assign(application_with_referees(edition=open_edition), reviewer)
    decisions.decision_record(application=decided, decision="accepted", by=programme_admin_user)
    client.force_login(reviewer)

    response = client.get("/staff/reviews/?show=undecided")

    assert len(titles(response)) == 2
    assert response.context["active"] == ""
    assert "Needs a decision" not in response.content.decode()
