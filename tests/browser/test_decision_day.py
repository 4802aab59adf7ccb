"""Review, decisions and decision day, in a browser.

A programme admin assigns reviewers; a reviewer scores an application blind, on a phone; the
programme admin decides in bulk in the admin, on a desktop; the release runs at its time (the
clock moved, beat's task run directly); accepted applicants confirm or decline their place on
their phones; the programme admin offers the freed place to the top of the waitlist. axe scans
every page on the way.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from applications import reviews
from applications.enums import ConfirmedWeekend, Decision, OfferStatus, ReviewRecommendation
from applications.models import (
    Application,
    DecisionChange,
    DecisionRelease,
    Review,
    ReviewAssignment,
)
from applications.tasks import decision_day
from panitch.models import Edition, OutboxEmail
from tests.applications.factories import application_with_referees
from tests.factories import EditionFactory, UserFactory

from .axe import assert_accessible
from .conftest import PHONE

PASSWORD = "correct-horse-battery"
DESKTOP = {"viewport": {"width": 1366, "height": 900}}

# The applicants, in the order their applications are made (so by primary key), and what the
# programme admin decides for each.
APPLICANTS = [
    ("Priya", "Shah", "priya.shah@example.org", Decision.ACCEPTED),
    ("Tom", "Wright", "tom.wright@example.org", Decision.ACCEPTED),
    ("Aisha", "Bello", "aisha.bello@example.org", Decision.WAITLISTED),
    ("Owen", "Price", "owen.price@example.org", Decision.UNSUCCESSFUL),
]


@pytest.fixture
def reviewing_edition(transactional_db):
    """An edition whose applications have closed, in review, decisions due in a week.

    Built like tests/applications/conftest.py's open_edition, moved on to after the close. One
    cohort of two: two acceptances fill it, so a decline frees exactly one place.
    """
    now = timezone.now()
    return EditionFactory(
        year=now.year + 1,
        applications_open_at=now - dt.timedelta(days=35),
        applications_close_at=now - dt.timedelta(days=14),
        info_session_at=now - dt.timedelta(days=28),
        reference_deadline=now - dt.timedelta(days=7),
        decisions_release_at=now + dt.timedelta(days=7),
        offer_response_deadline=now + dt.timedelta(days=21),
        weekend_a_starts_on=(now + dt.timedelta(days=70)).date(),
        weekend_a_ends_on=(now + dt.timedelta(days=71)).date(),
        weekend_b_starts_on=(now + dt.timedelta(days=84)).date(),
        weekend_b_ends_on=(now + dt.timedelta(days=85)).date(),
        closing_day=(now + dt.timedelta(days=180)).date(),
        cohort_count=1,
        cohort_size=2,
    )


def new_context(browser, live_server, device):
    context = browser.new_context(base_url=live_server.url, **device)
    context.set_default_timeout(10_000)
    return context


def main_nav(page):
    return page.get_by_role("navigation", name="Main")


def messages(page):
    return page.locator(".messages")


def sign_in(page, live_server, email):
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign In")
    assert_accessible(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator(".signed-in-as")).to_contain_text(f"Signed in as {email}")
    assert_accessible(page)


def fits_horizontally(page, selector: str) -> bool:
    return page.locator(selector).evaluate("element => element.scrollWidth <= element.clientWidth")


def score_group(page, label: str):
    """A radio group of the review form, by the start of its legend (crispy may add "*")."""
    return page.get_by_role("group", name=re.compile(rf"^{re.escape(label)}"))


def local(moment) -> dt.datetime:
    return timezone.localtime(moment)


def assign_reviewers(page, live_server, edition):
    main_nav(page).get_by_role("link", name="Selection", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/staff/selection/")
    expect(page).to_have_title(
        f"Selection dashboard {edition.name} · Leo Panitch Leadership Programme"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Selection dashboard: {edition.name}"
    )
    release_at = local(edition.decisions_release_at)
    expect(
        page.get_by_text(
            f"Decisions go out automatically at {release_at:%H:%M on %A %-d %B %Y}, "
            "once every submitted application has one."
        )
    ).to_be_visible()
    expect(page.locator(".stat").first).to_have_text("4 submitted")
    expect(page.get_by_text("Places across the one cohort: 2.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Assign reviewers (2 per application)").click()

    expect(page).to_have_url(f"{live_server.url}/staff/selection/{edition.pk}/")
    expect(messages(page)).to_have_text("8 new review assignment(s) made.")
    assert_accessible(page)


def review_blind(browser, live_server, reviewer, application, applicant_names):
    """The reviewer scores the application on their phone, without seeing who made it."""
    reference = application.reference_number
    context = new_context(browser, live_server, PHONE)
    try:
        page = context.new_page()
        sign_in(page, live_server, reviewer.email)

        main_nav(page).get_by_role("link", name="Reviews", exact=True).click()
        expect(page).to_have_url(f"{live_server.url}/staff/reviews/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Applications to review")
        rows = page.locator("table tbody tr")
        expect(rows).to_have_count(4)
        expect(rows.first.locator("td")).to_have_text(
            [reference, application.edition.name, application.project_title, "2/2", "To do"]
        )
        for name in applicant_names:
            expect(page.locator("main")).not_to_contain_text(name)
        # The whole table fits the phone: "Your review" is not scrolled out of sight.
        assert fits_horizontally(page, ".table-responsive")
        assert_accessible(page)

        page.get_by_role("link", name=reference, exact=True).click()
        expect(page).to_have_url(f"{live_server.url}/staff/reviews/{application.pk}/")
        expect(page).to_have_title(f"Review {reference} · Leo Panitch Leadership Programme")
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Application {reference}")
        expect(
            page.get_by_text("Blind review: names and contact details are hidden.")
        ).to_be_visible()
        main = page.locator("main")
        for name in applicant_names:
            expect(main).not_to_contain_text(name)
        expect(main).not_to_contain_text(application.applicant.email)
        expect(main).not_to_contain_text(application.phone)
        for referee in application.referees.all():
            expect(main).not_to_contain_text(referee.name)
        expect(page.get_by_role("heading", name="Referee 1, ")).to_be_visible()
        expect(page.get_by_role("heading", level=2, name="Score this application")).to_be_visible()
        expect(
            page.get_by_text("Other reviewers' scores appear once you have saved yours.")
        ).to_be_visible()
        expect(page.get_by_role("heading", name="All reviews")).to_have_count(0)
        assert_accessible(page)

        score_group(page, "Commitment to socialist ideas and organising").get_by_label(
            "5", exact=True
        ).check()
        score_group(page, "Organising experience").get_by_label("4", exact=True).check()
        score_group(page, "The local project").get_by_label("4", exact=True).check()
        score_group(page, "Potential to lead").get_by_label("5", exact=True).check()
        score_group(page, "Your recommendation").get_by_label("Accept", exact=True).check()
        page.get_by_label("Comment for the selection panel").fill(
            "Both references are strong; the project is winnable."
        )
        page.get_by_role("button", name="Save my review").click()

        expect(page).to_have_url(f"{live_server.url}/staff/reviews/{application.pk}/")
        expect(messages(page)).to_have_text(f"Your review of {reference} is saved.")
        expect(page.get_by_role("heading", level=2, name="Your review")).to_be_visible()
        expect(page.get_by_role("button", name="Update my review")).to_be_visible()
        expect(
            score_group(page, "Organising experience").get_by_label("4", exact=True)
        ).to_be_checked()
        others = page.get_by_role("region", name="All reviews")
        expect(others.get_by_role("heading", level=2)).to_have_text("All reviews")
        # Own 18 and the other reviewer's 12: mean 15.0, spread 6.
        expect(others.locator("p")).to_have_text("Mean total 15.0 of 20 from 2 reviews; spread 6.")
        expect(others.locator("li")).to_have_text(
            ["Other Reviewer: 12 (Maybe) — Good experience, thin project."]
        )
        assert_accessible(page)

        page.get_by_role("link", name="Back to your list").click()
        expect(page).to_have_url(f"{live_server.url}/staff/reviews/")
        expect(rows.locator("td:last-child")).to_have_text(["Done", "To do", "To do", "To do"])
        assert_accessible(page)
    finally:
        context.close()

    review = Review.objects.get(application=application, reviewer=reviewer)
    assert (
        review.commitment,
        review.experience,
        review.project,
        review.potential,
        review.total,
        review.recommendation,
        review.comment,
    ) == (
        5,
        4,
        4,
        5,
        18,
        ReviewRecommendation.ACCEPT,
        "Both references are strong; the project is winnable.",
    )


def decide_in_the_admin(browser, live_server, programme_admin, edition, applications):
    """On a desktop, from the dashboard's "Record decisions" to the admin's bulk actions."""
    context = new_context(browser, live_server, DESKTOP)
    try:
        page = context.new_page()
        sign_in(page, live_server, programme_admin.email)
        main_nav(page).get_by_role("link", name="Selection", exact=True).click()
        expect(page).to_have_url(f"{live_server.url}/staff/selection/")
        assert_accessible(page)

        page.get_by_role("link", name="Record decisions").click()
        changelist = f"{live_server.url}/admin/applications/application/"
        filters = f"?edition__id__exact={edition.pk}&status__exact=submitted"
        expect(page).to_have_url(changelist + filters)
        expect(page.get_by_role("heading", level=1)).to_have_text("Select application to view")
        rows = page.locator("#result_list tbody tr")
        expect(rows).to_have_count(4)
        expect(rows.locator("td.field-decision")).to_have_text(["-"] * 4)
        assert_accessible(page)

        def row(application):
            return rows.filter(
                has=page.get_by_role("link", name=application.reference_number, exact=True)
            )

        for decision, label, message in [
            (Decision.ACCEPTED, "Decide: accepted", "2 application(s) marked accepted."),
            (
                Decision.WAITLISTED,
                "Decide: waitlisted (ranked in this order)",
                "1 application(s) marked waitlisted.",
            ),
            (
                Decision.UNSUCCESSFUL,
                "Decide: unsuccessful",
                "1 application(s) marked unsuccessful.",
            ),
        ]:
            for application, (*_, decided) in zip(applications, APPLICANTS, strict=True):
                if decided == decision:
                    row(application).get_by_role("checkbox").check()
            page.get_by_label("Action:").select_option(label=label)
            page.get_by_role("button", name="Go").click()

            # The confirmation page lists them; the applications are closed and reviewed, so
            # it asks for a note and nothing else.
            expect(page.get_by_role("heading", level=1)).to_contain_text(label.split(" (")[0])
            expect(page.locator("#decide-list tbody tr")).to_have_count(int(message[0]))
            expect(page.get_by_label("Applications to")).to_have_count(0)
            assert_accessible(page)
            page.get_by_label("Note for the decision history (optional)").fill("Panel, 20 May")
            page.get_by_role("button", name=re.compile(r"^Yes, mark ")).click()

            expect(page).to_have_url(changelist + filters)
            expect(page.locator("ul.messagelist li")).to_have_text(message)
            assert_accessible(page)

        for application, (*_, decided) in zip(applications, APPLICANTS, strict=True):
            expect(row(application).locator("td.field-decision")).to_have_text(
                Decision(decided).label
            )
        expect(row(applications[2]).locator("td.field-waitlist_rank")).to_have_text("1")
    finally:
        context.close()

    assert [
        (a.decision, a.waitlist_rank, a.decided_by_id, a.offer_status)
        for a in Application.objects.order_by("pk")
    ] == [
        (Decision.ACCEPTED, None, programme_admin.pk, ""),
        (Decision.ACCEPTED, None, programme_admin.pk, ""),
        (Decision.WAITLISTED, 1, programme_admin.pk, ""),
        (Decision.UNSUCCESSFUL, None, programme_admin.pk, ""),
    ]
    assert DecisionChange.objects.count() == 4
    # Nothing is sent, and nothing released, before decision day.
    assert not DecisionRelease.objects.exists()
    assert not OutboxEmail.objects.filter(kind__startswith="decision").exists()


def answer_offer(browser, live_server, application, *, confirm: bool):
    """An accepted applicant answers their offer on their phone."""
    edition = application.edition
    context = new_context(browser, live_server, PHONE)
    try:
        page = context.new_page()
        sign_in(page, live_server, application.applicant.email)

        main_nav(page).get_by_role("link", name="Your application").click()
        expect(page).to_have_url(f"{live_server.url}/application/")
        outcome = (
            page.get_by_role("region", name=f"Leo Panitch Leadership Programme {edition.name}")
            .locator("dd")
            .last
        )
        deadline = local(application.offer_deadline)
        expect(outcome).to_have_text(
            "You have been offered a place. Confirm or decline it by "
            f"{deadline:%H:%M on %A %-d %B %Y}."
        )
        # Released: the application can no longer be changed or withdrawn.
        expect(page.get_by_role("link", name="Withdraw")).to_have_count(0)
        assert_accessible(page)

        outcome.get_by_role("link", name="Confirm or decline it").click()
        expect(page).to_have_url(f"{live_server.url}/application/offer/")
        expect(page).to_have_title("Your offer · Leo Panitch Leadership Programme")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Your place on the Leo Panitch Leadership Programme {edition.name}"
        )
        expect(
            page.get_by_text(
                f"You have been offered a place. Please answer by {deadline:%H:%M on %A %-d %B %Y}."
            )
        ).to_be_visible()
        weekends = page.get_by_role(
            "group", name=re.compile(r"^Which in-person weekend can you still come to\?")
        )
        expect(weekends.get_by_role("radio")).to_have_count(3)
        assert_accessible(page)

        if confirm:
            weekends.get_by_label(re.compile(rf"Weekend B: .+ in {edition.weekend_b_city}")).check()
            page.get_by_role("button", name="Confirm my place").click()
        else:
            page.get_by_role("button", name="Decline my place").click()

        expect(page).to_have_url(f"{live_server.url}/application/")
        if confirm:
            expect(messages(page)).to_have_text(
                "Your place is confirmed. We will be in touch with your cohort and schedule."
            )
            expect(outcome).to_have_text("You have a place (Weekend B).")
        else:
            expect(messages(page)).to_have_text(
                "You have declined your place. Thank you for letting us know."
            )
            expect(outcome).to_have_text("You declined your place.")
        assert_accessible(page)

        # Back on the offer page, the answer stands and cannot be given again.
        page.goto("/application/offer/")
        expect(page.get_by_role("button", name="Confirm my place")).to_have_count(0)
        responded = local(Application.objects.get(pk=application.pk).offer_responded_at)
        expect(page.locator("main p")).to_have_text(
            f"You confirmed your place on {responded:%-d %B %Y} (Weekend B). "
            "We will be in touch with your cohort and schedule."
            if confirm
            else f"You declined your place on {responded:%-d %B %Y}."
        )
        assert_accessible(page)
    finally:
        context.close()


def see_outcome(browser, live_server, application, expected: str):
    """The applicant's dashboard, on their phone: what it says about the outcome."""
    context = new_context(browser, live_server, PHONE)
    try:
        page = context.new_page()
        sign_in(page, live_server, application.applicant.email)
        main_nav(page).get_by_role("link", name="Your application").click()
        expect(page).to_have_url(f"{live_server.url}/application/")
        region = page.get_by_role(
            "region", name=f"Leo Panitch Leadership Programme {application.edition.name}"
        )
        expect(region.locator("dd").last).to_have_text(expected)
        assert_accessible(page)
    finally:
        context.close()


def test_review_decide_release_and_answer_offers(page, browser, live_server, reviewing_edition):
    edition = reviewing_edition
    applications = [
        application_with_referees(
            references=2,
            edition=edition,
            applicant=UserFactory(email=email, first_name=first, last_name=last),
        )
        for first, last, email, _ in APPLICANTS
    ]
    applicant_names = [f"{first} {last}" for first, last, *_ in APPLICANTS]
    reviewer = UserFactory(
        email="reviewer@example.org", first_name="Rosa", last_name="Reviewer", role="Reviewer"
    )
    other_reviewer = UserFactory(
        email="other.reviewer@example.org",
        first_name="Other",
        last_name="Reviewer",
        role="Reviewer",
    )
    programme_admin = UserFactory(email="admin@example.org", role="Programme admin")
    first = applications[0]

    # 1. The programme admin assigns reviewers; a reviewer scores an application, blind.
    sign_in(page, live_server, programme_admin.email)
    assign_reviewers(page, live_server, edition)
    assert sorted(ReviewAssignment.objects.values_list("application_id", "reviewer_id")) == sorted(
        (application.pk, person.pk)
        for application in applications
        for person in (reviewer, other_reviewer)
    )
    # The other reviewer has already scored the first application (12 of 20).
    reviews.review_submit(
        application=first,
        reviewer=other_reviewer,
        scores={
            "commitment": 3,
            "experience": 4,
            "project": 2,
            "potential": 3,
            "recommendation": ReviewRecommendation.MAYBE,
            "comment": "Good experience, thin project.",
        },
    )
    review_blind(browser, live_server, reviewer, first, applicant_names)

    # 2. The programme admin decides in bulk in the admin, on a desktop.
    decide_in_the_admin(browser, live_server, programme_admin, edition, applications)

    # 3. Decision day: the clock reaches the release time and beat's task runs.
    Edition.objects.filter(pk=edition.pk).update(
        decisions_release_at=timezone.now() - dt.timedelta(minutes=1)
    )
    decision_day.apply().get()
    decision_day.apply().get()  # beat runs it again a few minutes later: nothing changes

    release = DecisionRelease.objects.get()
    assert (release.edition_id, release.released_by, release.emails_queued) == (edition.pk, None, 4)
    outcome_emails = OutboxEmail.objects.filter(idempotency_key__startswith="decision:")
    assert sorted(outcome_emails.values_list("idempotency_key", "to", "kind")) == sorted(
        (
            f"decision:{edition.pk}:{application.pk}",
            email,
            f"decision_{decision}",
        )
        for application, (_, _, email, decision) in zip(applications, APPLICANTS, strict=True)
    )
    assert not OutboxEmail.objects.filter(kind="decisions_missing").exists()
    for application in applications:
        application.refresh_from_db()
    edition.refresh_from_db()
    assert [a.offer_status for a in applications] == [
        OfferStatus.OFFERED,
        OfferStatus.OFFERED,
        "",
        "",
    ]
    assert applications[0].offer_deadline == edition.offer_response_deadline

    # 4. The accepted applicants answer on their phones: one confirms, one declines.
    answer_offer(browser, live_server, applications[0], confirm=True)
    answer_offer(browser, live_server, applications[1], confirm=False)
    assert [
        (a.offer_status, a.confirmed_weekend)
        for a in Application.objects.filter(
            pk__in=[applications[0].pk, applications[1].pk]
        ).order_by("pk")
    ] == [(OfferStatus.CONFIRMED, ConfirmedWeekend.B), (OfferStatus.DECLINED, "")]

    # 5. The programme admin offers the freed place to the top of the waitlist.
    waitlisted = applications[2]
    see_outcome(
        browser,
        live_server,
        waitlisted,
        "You are on the waiting list. We will email you if a place comes up.",
    )
    main_nav(page).get_by_role("link", name="Selection", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/staff/selection/")
    released_at = local(release.released_at)
    decision_day_section = page.get_by_role("region", name="Decision day")
    expect(decision_day_section.locator("p")).to_have_text(
        [
            f"Released on {released_at:%-d %B %Y at %H:%M}: 4 outcome emails — 0 sent, "
            "4 waiting, 0 failed.",
            "Offers: 0 awaiting an answer, 1 confirmed, 1 declined, 0 lapsed. "
            "1 on the waitlist; 1 place free.",
        ]
    )
    expect(page.get_by_role("button", name="Assign reviewers", exact=False)).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("button", name="Offer a free place to the next on the waitlist").click()

    expect(page).to_have_url(f"{live_server.url}/staff/selection/{edition.pk}/")
    expect(messages(page)).to_have_text(
        f"The free place is offered to {waitlisted.reference_number}."
    )
    expect(decision_day_section.locator("p").nth(1)).to_have_text(
        "Offers: 1 awaiting an answer, 1 confirmed, 1 declined, 0 lapsed. "
        "0 on the waitlist; 0 places free."
    )
    expect(
        page.get_by_role("button", name="Offer a free place to the next on the waitlist")
    ).to_have_count(0)
    assert_accessible(page)

    waitlisted.refresh_from_db()
    assert (
        waitlisted.decision,
        waitlisted.waitlist_rank,
        waitlisted.offer_status,
        waitlisted.decided_by_id,
    ) == (Decision.ACCEPTED, None, OfferStatus.OFFERED, programme_admin.pk)
    assert list(
        OutboxEmail.objects.filter(kind="offer_from_waitlist").values_list("idempotency_key", "to")
    ) == [(f"offer_from_waitlist:{waitlisted.pk}", "aisha.bello@example.org")]
    see_outcome(
        browser,
        live_server,
        waitlisted,
        "You have been offered a place. Confirm or decline it by "
        f"{local(waitlisted.offer_deadline):%H:%M on %A %-d %B %Y}.",
    )
    # Still exactly one outcome email per applicant, and the unsuccessful one has no offer.
    assert OutboxEmail.objects.filter(idempotency_key__startswith="decision:").count() == 4
    assert Application.objects.get(pk=applications[3].pk).offer_status == ""
