"""Reviewing: scores on the rubric, others' scores after your own, conflicts, assignment,
the reviewer's list and its filters, and blind review in every view a reviewer has."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications import decisions, reviews, services
from applications.models import (
    ConflictOfInterest,
    DecisionRelease,
    EqualityMonitoring,
    Review,
    ReviewAssignment,
)
from tests.applications.factories import (
    ApplicationFactory,
    RefereeFactory,
    ReferenceFactory,
    ReviewFactory,
    application_with_referees,
)
from tests.applications.helpers import field_errors
from tests.factories import UserFactory

SCORES = {
    "commitment": "4",
    "experience": "3",
    "project": "5",
    "potential": "4",
    "recommendation": "accept",
    "comment": "A clear, winnable project rooted in the tenants' union.",
}


def assign(application, *reviewers):
    for person in reviewers:
        ReviewAssignment.objects.create(application=application, reviewer=person)
    return application


@pytest.fixture
def amina(open_edition):
    """A submitted application with both references in."""
    applicant = UserFactory(first_name="Amina", last_name="Begum", email="amina.begum@example.org")
    return application_with_referees(
        edition=open_edition,
        applicant=applicant,
        references=2,
        project_title="Tower Hamlets renters' assembly",
    )


@pytest.fixture
def rosa(client, reviewer, amina):
    """The reviewer, signed in, with Amina's application on her list."""
    assign(amina, reviewer)
    client.force_login(reviewer)
    return client


def review_url(application):
    return f"/staff/reviews/{application.pk}/"


# Scoring


def test_an_assigned_reviewer_scores_an_application(rosa, reviewer, amina):
    response = rosa.post(review_url(amina), SCORES)

    assert response.status_code == 302
    assert response["Location"] == review_url(amina)
    review = Review.objects.get()
    assert (
        review.application,
        review.reviewer,
        review.commitment,
        review.experience,
        review.project,
        review.potential,
        review.recommendation,
        review.comment,
        review.total,
    ) == (amina, reviewer, 4, 3, 5, 4, "accept", SCORES["comment"], 16)
    page = rosa.get(review_url(amina)).content.decode()
    assert f"Your review of {amina.reference_number} is saved." in page
    assert '<h2 class="h4" id="score-h">Your review</h2>' in page
    assert "Update my review" in page


def test_a_reviewer_can_change_their_review_before_release(rosa, amina):
    rosa.post(review_url(amina), SCORES)
    rosa.post(review_url(amina), {**SCORES, "project": "2", "recommendation": "maybe"})

    assert list(Review.objects.values_list("project", "recommendation")) == [(2, "maybe")]


def test_invalid_scores_get_field_messages_and_save_nothing(rosa, amina):
    response = rosa.post(
        review_url(amina),
        {"commitment": "0", "experience": "6", "potential": "3", "comment": "Hmm"},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Please correct the answers marked below." in page
    assert field_errors(page, "commitment") == [
        "Select a valid choice. 0 is not one of the available choices."
    ]
    assert field_errors(page, "experience") == [
        "Select a valid choice. 6 is not one of the available choices."
    ]
    assert field_errors(page, "project") == ["This field is required."]
    assert field_errors(page, "recommendation") == ["This field is required."]
    assert field_errors(page, "potential") == []
    assert Review.objects.count() == 0


@pytest.mark.parametrize("bad", ["0", "6", "", "three", "-1"])
def test_every_score_must_be_one_to_five(rosa, amina, bad):
    response = rosa.post(review_url(amina), {**SCORES, "potential": bad})

    assert response.status_code == 400
    assert field_errors(response.content.decode(), "potential") != []
    assert Review.objects.count() == 0


def test_others_scores_appear_only_after_your_own(rosa, amina):
    owen = UserFactory(role="Reviewer", first_name="Owen", last_name="Price")
    assign(amina, owen)
    ReviewFactory(
        application=amina,
        reviewer=owen,
        commitment=5,
        experience=5,
        project=4,
        potential=4,
        recommendation="accept",
        comment="Strong organiser, obvious leader.",
    )

    before = rosa.get(review_url(amina)).content.decode()
    assert "Other reviewers' scores appear once you have saved yours." in before
    assert "Strong organiser" not in before
    assert "Owen Price" not in before
    assert "Mean total" not in before

    rosa.post(review_url(amina), {**SCORES, "project": "3", "potential": "2"})  # total 12

    after = rosa.get(review_url(amina)).content.decode()
    assert "Mean total 15.0 of 20 from 2 reviews; spread 6." in after
    assert "<li>Owen Price: 18 (Accept) — Strong organiser, obvious leader.</li>" in after
    assert "Other reviewers' scores appear once you have saved yours." not in after


def test_the_first_reviewer_sees_that_nobody_else_has_reviewed_yet(rosa, amina):
    rosa.post(review_url(amina), SCORES)

    page = rosa.get(review_url(amina)).content.decode()

    assert "Mean total 16.0 of 20 from 1 review; spread 0." in page
    assert "<li>No one else has reviewed it yet.</li>" in page


def test_score_summary_mean_and_spread():
    low = Review(commitment=1, experience=2, project=3, potential=1)
    high = Review(commitment=5, experience=5, project=5, potential=4)
    mid = Review(commitment=3, experience=3, project=3, potential=3)

    assert reviews.ScoreSummary.of([low, high, mid]) == reviews.ScoreSummary(3, 12.7, 12)
    assert reviews.ScoreSummary.of([]) == reviews.ScoreSummary(0, None, None)


def test_an_unassigned_reviewer_gets_404_and_saves_nothing(client, amina):
    stranger = UserFactory(role="Reviewer")
    client.force_login(stranger)

    assert client.get(review_url(amina)).status_code == 404
    assert client.post(review_url(amina), SCORES).status_code == 404
    assert client.post(f"{review_url(amina)}conflict/", {"reason": "x"}).status_code == 404
    assert Review.objects.count() == 0
    assert ConflictOfInterest.objects.count() == 0


def test_review_submit_refuses_an_unassigned_reviewer(amina):
    scores = {"commitment": 4, "experience": 3, "project": 5, "potential": 4}

    with pytest.raises(PermissionDenied):
        reviews.review_submit(
            application=amina,
            reviewer=UserFactory(role="Reviewer"),
            scores={**scores, "recommendation": "accept"},
        )

    assert Review.objects.count() == 0


def test_reviews_are_frozen_once_decisions_are_released(
    rosa, amina, programme_admin_user, open_edition
):
    rosa.post(review_url(amina), SCORES)
    decisions.decision_record(application=amina, decision="accepted", by=programme_admin_user)
    decisions.decisions_release(edition=open_edition)

    response = rosa.post(review_url(amina), {**SCORES, "commitment": "1"})

    assert response.status_code == 400
    assert "Decisions have been released: reviews can no longer change." in (
        response.content.decode()
    )
    assert list(Review.objects.values_list("commitment", flat=True)) == [4]


# Conflicts of interest


def test_declaring_a_conflict_takes_the_application_off_the_list_and_deletes_the_review(
    rosa, reviewer, amina
):
    rosa.post(review_url(amina), SCORES)
    assert amina.reference_number in rosa.get("/staff/reviews/").content.decode()

    response = rosa.post(f"{review_url(amina)}conflict/", {"reason": "We share a flat."})

    assert response.status_code == 302
    assert response["Location"] == "/staff/reviews/"
    listing = rosa.get("/staff/reviews/").content.decode()
    assert (
        f"Thank you. {amina.reference_number} is off your list and your review of it, "
        "if any, is withdrawn."
    ) in listing
    assert f">{amina.reference_number}" not in listing
    assert "Nothing here. Applications appear once a programme admin assigns them" in listing
    assert list(ConflictOfInterest.objects.values_list("application", "reviewer", "reason")) == [
        (amina.pk, reviewer.pk, "We share a flat.")
    ]
    assert Review.objects.count() == 0
    assert ReviewAssignment.objects.count() == 0
    assert rosa.get(review_url(amina)).status_code == 404


def test_a_conflicted_reviewer_is_not_assigned_again(rosa, reviewer, amina, open_edition):
    other = UserFactory(role="Reviewer")
    rosa.post(f"{review_url(amina)}conflict/", {"reason": ""})

    assert reviews.reviews_assign(edition=open_edition, per_application=2) == 1

    assert list(amina.review_assignments.values_list("reviewer", flat=True)) == [other.pk]


# Assignment


def loads(edition):
    counts = {person.pk: 0 for person in reviews.reviewers()}
    for reviewer_id in ReviewAssignment.objects.filter(application__edition=edition).values_list(
        "reviewer", flat=True
    ):
        counts[reviewer_id] += 1
    return counts


def test_assign_gives_every_submitted_application_n_reviewers_balanced(open_edition):
    people = [UserFactory(role="Reviewer") for _ in range(5)]
    submitted = [ApplicationFactory(edition=open_edition) for _ in range(7)]
    draft = ApplicationFactory(edition=open_edition, status="draft", submitted_at=None)
    withdrawn = ApplicationFactory(edition=open_edition, status="withdrawn")

    assert reviews.reviews_assign(edition=open_edition, per_application=2) == 14

    for application in submitted:
        assert application.review_assignments.count() == 2
    assert draft.review_assignments.count() == 0
    assert withdrawn.review_assignments.count() == 0
    load = loads(open_edition)
    assert sorted(load) == sorted(p.pk for p in people)
    assert sorted(load.values()) == [2, 3, 3, 3, 3]

    assert reviews.reviews_assign(edition=open_edition, per_application=2) == 0
    assert ReviewAssignment.objects.count() == 14


def test_assign_uses_the_editions_number_of_reviewers(open_edition):
    open_edition.reviews_per_application = 3
    open_edition.save(update_fields=["reviews_per_application"])
    for _ in range(4):
        UserFactory(role="Reviewer")
    applications = [ApplicationFactory(edition=open_edition) for _ in range(4)]

    assert reviews.reviews_assign(edition=open_edition) == 12

    assert [a.review_assignments.count() for a in applications] == [3, 3, 3, 3]
    assert sorted(loads(open_edition).values()) == [3, 3, 3, 3]


def test_assign_respects_conflicts_and_never_assigns_the_applicant(open_edition):
    x, y, z = (UserFactory(role="Reviewer") for _ in range(3))
    conflicted = ApplicationFactory(edition=open_edition)
    ConflictOfInterest.objects.create(application=conflicted, reviewer=x, reason="Same branch")
    own = ApplicationFactory(edition=open_edition, applicant=y)  # a reviewer who applied
    others = [ApplicationFactory(edition=open_edition) for _ in range(4)]

    made = reviews.reviews_assign(edition=open_edition, per_application=2)

    assert made == 12
    assert x.pk not in set(conflicted.review_assignments.values_list("reviewer", flat=True))
    assert sorted(own.review_assignments.values_list("reviewer", flat=True)) == sorted([x.pk, z.pk])
    for application in [conflicted, *others]:
        assert application.review_assignments.count() == 2
    load = loads(open_edition).values()
    assert max(load) - min(load) <= 1


def test_assign_tops_up_after_a_conflict_from_the_least_loaded_eligible_reviewer(
    open_edition,
):
    people = [UserFactory(role="Reviewer") for _ in range(4)]
    applications = [ApplicationFactory(edition=open_edition) for _ in range(6)]
    reviews.reviews_assign(edition=open_edition, per_application=2)
    assert sorted(loads(open_edition).values()) == [3, 3, 3, 3]
    first = applications[0]
    leaving, staying = (a.reviewer for a in first.review_assignments.order_by("reviewer"))
    reviews.review_declare_conflict(application=first, reviewer=leaving)

    assert reviews.reviews_assign(edition=open_edition, per_application=2) == 1

    now = set(first.review_assignments.values_list("reviewer", flat=True))
    assert len(now) == 2
    assert staying.pk in now
    assert leaving.pk not in now
    # The two reviewers who could take it had three each; whoever takes it has four. The
    # conflicted reviewer keeps two: assignments already made are never moved.
    load = loads(open_edition)
    assert sorted(load) == sorted(p.pk for p in people)
    assert (load[leaving.pk], load[staying.pk]) == (2, 3)
    assert sorted(load.values()) == [2, 3, 3, 4]


def test_assign_without_reviewers_says_so(open_edition):
    ApplicationFactory(edition=open_edition)

    with pytest.raises(ValidationError) as error:
        reviews.reviews_assign(edition=open_edition)

    assert error.value.messages == [
        "There are no reviewers: add people to the Reviewer group first."
    ]
    assert ReviewAssignment.objects.count() == 0


def test_the_assign_button_reports_how_many_were_made(client, programme_admin_user, open_edition):
    for _ in range(3):
        UserFactory(role="Reviewer")
    for _ in range(3):
        ApplicationFactory(edition=open_edition)
    client.force_login(programme_admin_user)
    url = f"/staff/selection/{open_edition.pk}/assign/"

    first = client.post(url, follow=True).content.decode()
    second = client.post(url, follow=True).content.decode()

    assert "6 new review assignment(s) made." in first
    assert "0 new review assignment(s) made." in second
    assert ReviewAssignment.objects.count() == 6


# The reviewer's list


@pytest.fixture
def three_on_the_list(open_edition, reviewer, programme_admin_user):
    """Done (both references, decided), to do (both references), to do (one reference)."""
    done = application_with_referees(
        edition=open_edition, references=2, project_title="Done project"
    )
    waiting = application_with_referees(
        edition=open_edition, references=2, project_title="Waiting project"
    )
    partial = application_with_referees(
        edition=open_edition, references=1, project_title="Partial project"
    )
    elsewhere = application_with_referees(
        edition=open_edition, references=2, project_title="Someone else's project"
    )
    for application in (done, waiting, partial):
        assign(application, reviewer)
    assign(elsewhere, UserFactory(role="Reviewer"))
    ReviewFactory(application=done, reviewer=reviewer)
    decisions.decision_record(application=done, decision="accepted", by=programme_admin_user)
    return {"done": done, "waiting": waiting, "partial": partial}


def listed(client, query=""):
    response = client.get(f"/staff/reviews/{query}")
    assert response.status_code == 200
    return [a.project_title for a in response.context["applications"]]


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("", ["Done project", "Waiting project", "Partial project"]),
        ("?show=todo", ["Waiting project", "Partial project"]),
        ("?show=references", ["Done project", "Waiting project"]),
        # Decisions are not shown to reviewers, so not filtered on either.
        ("?show=undecided", ["Done project", "Waiting project", "Partial project"]),
    ],
)
def test_the_list_filters(client, reviewer, three_on_the_list, query, titles):
    client.force_login(reviewer)

    assert listed(client, query) == titles


def test_the_list_shows_references_and_whether_i_reviewed(client, reviewer, three_on_the_list):
    client.force_login(reviewer)

    page = client.get("/staff/reviews/").content.decode()

    done, partial = three_on_the_list["done"], three_on_the_list["partial"]
    edition = done.edition
    assert (
        f'<td><a href="/staff/reviews/{done.pk}/">{done.reference_number}</a></td>\n'
        f'    <td class="d-none d-md-table-cell">{edition.name}</td>\n'
        "    <td>Done project</td>\n    <td>2/2</td>\n    <td>Done</td>"
    ) in page
    assert (
        f'<td><a href="/staff/reviews/{partial.pk}/">{partial.reference_number}</a></td>\n'
        f'    <td class="d-none d-md-table-cell">{edition.name}</td>\n'
        "    <td>Partial project</td>\n    <td>1/2</td>\n    <td>To do</td>"
    ) in page
    assert "Someone else's project" not in page
    assert "Needs a decision" not in page
    todo = (
        f'<a class="nav-link active" href="?edition={edition.pk}&amp;show=todo" '
        'aria-current="page">'
    )
    assert todo not in page
    filtered = client.get("/staff/reviews/?show=todo").content.decode()
    assert f"{todo}Not yet reviewed by me</a>" in filtered


def test_a_withdrawn_application_leaves_the_list(client, reviewer, three_on_the_list):
    waiting = three_on_the_list["waiting"]
    services.application_withdraw(application=waiting, by=waiting.applicant)
    client.force_login(reviewer)

    assert listed(client) == ["Done project", "Partial project"]


def test_the_list_query_count_does_not_grow_with_applications(client, reviewer, open_edition):
    client.force_login(reviewer)

    def make(n):
        for _ in range(n):
            application = application_with_referees(edition=open_edition, references=2)
            assign(application, reviewer)
            ReviewFactory(application=application, reviewer=reviewer)

    make(2)
    with CaptureQueriesContext(connection) as few:
        assert len(listed(client)) == 2
    make(38)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/staff/reviews/").content.decode()

    assert page.count("<td>Done</td>") == 40
    assert len(many) == len(few)


def test_the_review_page_query_count_does_not_grow_with_reviews(client, reviewer, amina):
    assign(amina, reviewer)
    ReviewFactory(application=amina, reviewer=reviewer)
    client.force_login(reviewer)

    def add_reviews(n):
        for _ in range(n):
            other = UserFactory(role="Reviewer")
            assign(amina, other)
            ReviewFactory(application=amina, reviewer=other, comment="Fine.")

    add_reviews(1)
    with CaptureQueriesContext(connection) as few:
        client.get(review_url(amina))
    add_reviews(9)
    with CaptureQueriesContext(connection) as many:
        page = client.get(review_url(amina)).content.decode()

    assert page.count(": 12 (Maybe) — Fine.</li>") == 10
    assert len(many) == len(few)


# Blind review


IDENTIFYING = [
    "Amina",
    "Begum",
    "amina.begum@example.org",
    "07700 900987",
    "E1 6AN",
    "MOM-778812",
    "Ada Lovett",
    "ada.lovett@example.org",
    "Ben Okoro",
    "ben.okoro@example.org",
    "0113 496 0999",
]
EQUALITY = ["Genderfluid", "Irish Traveller", "Pansexual"]


@pytest.fixture
def identifiable(open_edition, reviewer):
    """An application full of identifying details and equality-monitoring answers."""
    applicant = UserFactory(first_name="Amina", last_name="Begum", email="amina.begum@example.org")
    application = ApplicationFactory(
        edition=open_edition,
        applicant=applicant,
        pronouns="she/her",
        phone="07700 900987",
        postcode="E1 6AN",
        membership_reference="MOM-778812",
        project_title="Tower Hamlets renters' assembly",
    )
    first = RefereeFactory(
        application=application, position=1, name="Ada Lovett", email="ada.lovett@example.org"
    )
    RefereeFactory(
        application=application,
        position=2,
        name="Ben Okoro",
        email="ben.okoro@example.org",
        phone="0113 496 0999",
    )
    ReferenceFactory(referee=first, commitment="Has organised rent strikes for years.")
    EqualityMonitoring.objects.create(
        edition=open_edition,
        person=applicant,
        gender="Genderfluid",
        ethnicity="Irish Traveller",
        sexuality="Pansexual",
        class_background="Yes",
    )
    assign(application, reviewer)
    return application


def reviewer_pages(client, application):
    pages = {
        "list": client.get("/staff/reviews/"),
        "review": client.get(review_url(application)),
        "changelist": client.get("/admin/applications/application/"),
        "change": client.get(f"/admin/applications/application/{application.pk}/change/"),
    }
    assert {name: r.status_code for name, r in pages.items()} == dict.fromkeys(pages, 200)
    return {name: r.content.decode() for name, r in pages.items()}


def test_blind_review_hides_who_the_applicant_and_referees_are(client, reviewer, identifiable):
    client.force_login(reviewer)

    pages = reviewer_pages(client, identifiable)

    for name, page in pages.items():
        assert identifiable.reference_number in page, name
        for detail in IDENTIFYING + EQUALITY:
            assert detail not in page, (name, detail)
    assert "Tower Hamlets renters&#x27; assembly" in pages["review"]
    assert "Has organised rent strikes for years." in pages["review"]
    assert "Has organised rent strikes for years." in pages["change"]
    assert "Blind review: names and contact details are hidden." in pages["review"]
    assert (
        '<td class="field-applicant_unless_blind">Hidden (blind review)</td>' in pages["changelist"]
    )
    assert '<h3 class="h6">Referee 1, Organiser, Manchester Momentum</h3>' in pages["review"]


def test_blind_review_scores_do_not_reveal_other_reviewers_to_be_applicants(
    client, reviewer, identifiable
):
    """Saving a review and reading the summary keeps the page blind."""
    client.force_login(reviewer)
    client.post(review_url(identifiable), SCORES)

    page = client.get(review_url(identifiable)).content.decode()

    assert "Mean total 16.0 of 20 from 1 review" in page
    for detail in IDENTIFYING + EQUALITY:
        assert detail not in page


def test_without_blind_review_reviewers_see_names(client, reviewer, identifiable, open_edition):
    open_edition.blind_review = False
    open_edition.save(update_fields=["blind_review"])
    client.force_login(reviewer)

    pages = reviewer_pages(client, identifiable)

    assert f"{identifiable.reference_number} · Amina Begum</a>" in pages["list"]
    assert '<td class="field-applicant_unless_blind">Amina Begum</td>' in pages["changelist"]
    review = pages["review"]
    assert f"Application {identifiable.reference_number}: Amina Begum</h1>" in review
    assert "<dt>Name</dt><dd>Amina Begum (she/her)</dd>" in review
    assert "<dt>Email</dt><dd>amina.begum@example.org</dd>" in review
    assert "<dt>Phone</dt><dd>07700 900987</dd>" in review
    assert "Ada Lovett, Organiser" in review
    assert "Blind review" not in review
    change = pages["change"]
    for detail in ("Amina Begum", "07700 900987"):
        assert detail in change
    # Where they live and their membership number are not needed to review.
    for detail in ("E1 6AN", "MOM-778812"):
        assert detail not in change
    for detail in ("Ada Lovett", "Ben Okoro"):
        assert detail in change
    # Who the referees are, not how to reach them.
    for detail in ("ada.lovett@example.org", "0113 496 0999"):
        assert detail not in change
    for page in pages.values():
        for answer in EQUALITY:
            assert answer not in page


def test_programme_admins_always_see_names(client, programme_admin_user, identifiable):
    assert identifiable.edition.blind_review is True
    client.force_login(programme_admin_user)

    changelist = client.get("/admin/applications/application/").content.decode()
    change = client.get(
        f"/admin/applications/application/{identifiable.pk}/change/"
    ).content.decode()

    assert '<td class="field-applicant_name">Amina Begum</td>' in changelist
    # The applicant's account (their name, linked), and every identifying answer.
    assert "Amina Begum</a>" in change
    for detail in IDENTIFYING:
        if detail != "amina.begum@example.org":
            assert detail in change, detail
    for answer in EQUALITY:
        assert answer not in changelist + change


def test_a_reviewer_cannot_search_the_admin_by_name(client, reviewer, identifiable):
    client.force_login(reviewer)

    by_name = client.get("/admin/applications/application/?q=Begum")
    by_title = client.get("/admin/applications/application/?q=Hamlets")

    assert list(by_name.context["cl"].result_list) == []
    assert list(by_title.context["cl"].result_list) == [identifiable]


def test_a_reviewer_sees_only_their_assigned_applications_in_the_admin(
    client, reviewer, identifiable, open_edition
):
    other = ApplicationFactory(edition=open_edition)
    client.force_login(reviewer)

    listing = client.get("/admin/applications/application/")

    assert list(listing.context["cl"].result_list) == [identifiable]
    assert client.get(f"/admin/applications/application/{other.pk}/change/").status_code == 302


def test_release_is_not_needed_for_reviewers_to_see_nothing_of_decisions(
    client, reviewer, identifiable, programme_admin_user
):
    decisions.decision_record(
        application=identifiable, decision="waitlisted", by=programme_admin_user
    )
    client.force_login(reviewer)

    change = client.get(
        f"/admin/applications/application/{identifiable.pk}/change/"
    ).content.decode()

    assert "Waitlisted" not in change
    assert "decision history" not in change.lower()
    assert DecisionRelease.objects.count() == 0


@pytest.mark.parametrize(
    "probe",
    [
        "membership_reference__icontains=MOM-77",
        "phone__startswith=07700",
        "postcode__istartswith=E1",
        "pronouns=she/her",
        "applicant=1",
        "applicant__last_name=Begum",
        "decision=accepted",
        "decision__exact=",
        "offer_status=offered",
    ],
)
def test_a_blind_reviewer_cannot_probe_hidden_details_through_the_admin_url(
    client, reviewer, identifiable, probe
):
    client.force_login(reviewer)

    response = client.get(f"/admin/applications/application/?{probe}")

    assert response.status_code == 400
    assert response.context is None or "cl" not in response.context


def test_programme_admins_may_filter_by_any_field(client, programme_admin_user, identifiable):
    client.force_login(programme_admin_user)

    response = client.get("/admin/applications/application/?phone__startswith=07700")

    assert list(response.context["cl"].result_list) == [identifiable]


def test_a_conflict_cannot_withdraw_a_review_after_release(
    rosa, reviewer, amina, programme_admin_user, open_edition
):
    rosa.post(review_url(amina), SCORES)
    decisions.decision_record(application=amina, decision="accepted", by=programme_admin_user)
    decisions.decisions_release(edition=open_edition)

    response = rosa.post(f"{review_url(amina)}conflict/", {"reason": "Late"}, follow=True)

    assert "Decisions have been released: reviews can no longer change." in (
        response.content.decode()
    )
    assert Review.objects.filter(application=amina, reviewer=reviewer).count() == 1
    assert ConflictOfInterest.objects.count() == 0
    assert ReviewAssignment.objects.filter(application=amina, reviewer=reviewer).count() == 1
