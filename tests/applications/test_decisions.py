"""Who may review, decide and release; decisions one at a time and in bulk, with their audit
trail, waitlist ranks and freeze; and the selection dashboard's figures."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications import decisions
from applications.models import (
    Application,
    DecisionChange,
    DecisionRelease,
    OutcomeEmail,
    ReviewAssignment,
)
from panitch.models import OutboxEmail
from tests.applications.factories import (
    ApplicationFactory,
    ReviewFactory,
    application_with_referees,
)
from tests.factories import EditionFactory, UserFactory

CHANGELIST = "/admin/applications/application/"


# Who may do what


@pytest.fixture
def people(open_edition, reviewer, programme_admin_user):
    """One person per role, and an application on the reviewer's list."""
    applicant = UserFactory(first_name="Amina", last_name="Begum", email="amina@example.org")
    application = application_with_referees(edition=open_edition, applicant=applicant)
    ReviewAssignment.objects.create(application=application, reviewer=reviewer)
    return {
        "anonymous": None,
        "applicant": applicant,
        "facilitator": UserFactory(role="Facilitator"),
        "reviewer": reviewer,
        "programme admin": programme_admin_user,
        "application": application,
    }


ROLES = ["anonymous", "applicant", "facilitator", "reviewer", "programme admin"]
SIGN_IN = "sign in"
ADMIN_SIGN_IN = "admin sign in"


def outcome(response):
    """What a person got: a page, a refusal, or sent to sign in (site or admin)."""
    if response.status_code == 302 and response["Location"].startswith("/accounts/login/"):
        return SIGN_IN
    if response.status_code == 302 and response["Location"].startswith("/admin/login/"):
        return ADMIN_SIGN_IN
    return response.status_code


PAGES = {
    # path template: what each role in ROLES gets
    # Programme admins read every review there; reviewers score what is on their list.
    "/staff/reviews/": [SIGN_IN, 403, 403, 200, 200],
    "/staff/reviews/{application}/": [SIGN_IN, 403, 403, 200, 200],
    "/staff/selection/": [SIGN_IN, 403, 403, 403, 200],
    "/staff/selection/{edition}/": [SIGN_IN, 403, 403, 403, 200],
    "/staff/selection/{edition}/release/": [SIGN_IN, 403, 403, 403, 200],
    "/admin/applications/decisionrelease/": [ADMIN_SIGN_IN, ADMIN_SIGN_IN, ADMIN_SIGN_IN, 403, 200],
    "/admin/applications/outcomeemail/": [ADMIN_SIGN_IN, ADMIN_SIGN_IN, ADMIN_SIGN_IN, 403, 200],
    "/admin/applications/outcomeemail/add/": [
        ADMIN_SIGN_IN,
        ADMIN_SIGN_IN,
        ADMIN_SIGN_IN,
        403,
        200,
    ],
}


@pytest.mark.parametrize("path", PAGES)
def test_who_may_open_each_page(client_for, people, open_edition, path):
    url = path.format(application=people["application"].pk, edition=open_edition.pk)

    got = [outcome(client_for(people[role]).get(url)) for role in ROLES]

    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, PAGES[path], strict=True))


ACTIONS = {
    # POSTs that change something: only programme admins get through.
    "/staff/selection/{edition}/assign/": [SIGN_IN, 403, 403, 403, 302],
    "/staff/selection/{edition}/offer-next/": [SIGN_IN, 403, 403, 403, 302],
    "/staff/selection/{edition}/release/": [SIGN_IN, 403, 403, 403, 200],
}


@pytest.mark.parametrize("path", ACTIONS)
def test_who_may_assign_release_and_offer(client_for, people, open_edition, path):
    url = path.format(edition=open_edition.pk)
    before = ReviewAssignment.objects.count()
    others = ROLES[:-1]

    got = [outcome(client_for(people[role]).post(url, {"confirm": "x"})) for role in others]

    assert got == ACTIONS[path][:-1]
    # Nobody but a programme admin changed anything.
    assert ReviewAssignment.objects.count() == before
    assert DecisionRelease.objects.count() == 0
    assert OutboxEmail.objects.filter(kind__startswith="decision").count() == 0
    admin_got = outcome(client_for(people["programme admin"]).post(url, {"confirm": "x"}))
    assert admin_got == ACTIONS[path][-1]


def test_only_programme_admins_may_use_the_bulk_decision_actions(client_for, people):
    application = people["application"]
    form = {"action": "decide_accepted", "index": "0", "_selected_action": [application.pk]}

    got = {role: outcome(client_for(people[role]).post(CHANGELIST, form)) for role in ROLES[:-1]}

    assert got == {
        "anonymous": ADMIN_SIGN_IN,
        "applicant": ADMIN_SIGN_IN,
        "facilitator": ADMIN_SIGN_IN,
        "reviewer": 200,  # the list again, with no actions on it
    }
    application.refresh_from_db()
    assert application.decision == ""
    assert DecisionChange.objects.count() == 0
    reviewer_page = client_for(people["reviewer"]).get(CHANGELIST).content.decode()
    assert "decide_accepted" not in reviewer_page
    assert "Decide: accepted" not in reviewer_page

    admin = client_for(people["programme admin"])
    assert admin.post(CHANGELIST, form).status_code == 200  # the confirmation page
    application.refresh_from_db()
    assert application.decision == ""
    confirmed = {"action": "decide_accepted", "_selected_action": [application.pk]}
    confirmed |= {"confirmed": "yes", "confirm_open": "on"}
    assert admin.post(CHANGELIST, confirmed).status_code == 302
    application.refresh_from_db()
    assert (application.decision, application.decided_by) == ("accepted", people["programme admin"])


def test_reviewers_cannot_preview_or_test_send_outcome_emails(client_for, people):
    wording = OutcomeEmail.objects.create(decision="accepted", subject="Hi", body_text="Hi")
    url = f"/admin/applications/outcomeemail/{wording.pk}/preview/"
    reviewer = client_for(people["reviewer"])

    assert reviewer.get(url).status_code == 403
    assert reviewer.post(url).status_code == 403
    assert reviewer.get(f"/admin/applications/outcomeemail/{wording.pk}/change/").status_code == (
        403
    )
    assert outcome(client_for(people["applicant"]).get(url)) == ADMIN_SIGN_IN
    assert OutboxEmail.objects.count() == 0


def test_the_navigation_offers_each_role_its_pages(client_for, people):
    def nav(role):
        page = client_for(people[role]).get("/").content.decode()
        return [
            label
            for label in ("Reviews", "Selection", "Your application")
            if f">{label}</a>" in page
        ]

    assert nav("reviewer") == ["Reviews"]
    assert nav("programme admin") == ["Selection"]
    assert nav("applicant") == ["Your application"]
    assert nav("facilitator") == ["Your application"]


# Recording decisions


@pytest.fixture
def applications(open_edition):
    return [application_with_referees(edition=open_edition, references=2) for _ in range(4)]


def test_a_decision_records_who_and_when(applications, programme_admin_user):
    before = timezone.now()

    decisions.decision_record(
        application=applications[0], decision="accepted", by=programme_admin_user
    )

    application = Application.objects.get(pk=applications[0].pk)
    assert (application.decision, application.waitlist_rank, application.decided_by) == (
        "accepted",
        None,
        programme_admin_user,
    )
    assert before <= application.decided_at <= timezone.now()
    change = DecisionChange.objects.get()
    assert (change.application, change.decision, change.changed_by, change.changed_at) == (
        application,
        "accepted",
        programme_admin_user,
        application.decided_at,
    )
    assert OutboxEmail.objects.count() == 0  # nothing reaches the applicant before release


def test_every_change_adds_to_the_audit_trail(applications, programme_admin_user):
    other_admin = UserFactory(role="Programme admin", first_name="Kim", last_name="Noor")
    application = applications[0]

    decisions.decision_record(application=application, decision="accepted", by=programme_admin_user)
    decisions.decision_record(application=application, decision="waitlisted", by=other_admin)
    decisions.decision_record(
        application=application, decision="unsuccessful", by=programme_admin_user, note="Panel"
    )

    assert list(
        application.decision_changes.values_list("decision", "waitlist_rank", "changed_by", "note")
    ) == [
        ("accepted", None, programme_admin_user.pk, ""),
        ("waitlisted", 1, other_admin.pk, ""),
        ("unsuccessful", None, programme_admin_user.pk, "Panel"),
    ]
    application.refresh_from_db()
    assert (application.decision, application.waitlist_rank, application.decided_by) == (
        "unsuccessful",
        None,
        programme_admin_user,
    )


def test_the_audit_trail_shows_on_the_admin_change_page(client, applications, programme_admin_user):
    other_admin = UserFactory(role="Programme admin", first_name="Kim", last_name="Noor")
    application = applications[0]
    decisions.decision_record(application=application, decision="accepted", by=programme_admin_user)
    decisions.decision_record(application=application, decision="waitlisted", by=other_admin)
    client.force_login(programme_admin_user)

    page = client.get(f"{CHANGELIST}{application.pk}/change/").content.decode()

    history = page.split('<h2 id="decision_changes-heading"', 1)[1].split("</table>", 1)[0]
    history = re.sub(r"\s+", " ", history)
    assert "Decision history</h2>" in history
    assert "<th></th>" not in history  # no empty header cells
    rows = re.findall(
        r'<td class="field-decision"><p>(\w+)</p></td> '
        r'<td class="field-waitlist_rank"><p>([-\d]+)</p></td> '
        r'<td class="field-changed_by"><p><a href="[^"]+">([^<]+)</a></p></td>',
        history,
    )
    assert rows == [("Accepted", "-", "Pat Hale"), ("Waitlisted", "1", "Kim Noor")]


def test_waitlisted_applications_get_increasing_ranks(applications, programme_admin_user):
    for application in applications[:3]:
        decisions.decision_record(
            application=application, decision="waitlisted", by=programme_admin_user
        )

    ranks = dict(Application.objects.values_list("pk", "waitlist_rank"))
    assert [ranks[a.pk] for a in applications] == [1, 2, 3, None]


def test_an_explicit_rank_is_kept(applications, programme_admin_user):
    decisions.decision_record(
        application=applications[0], decision="waitlisted", by=programme_admin_user, waitlist_rank=7
    )
    decisions.decision_record(
        application=applications[1], decision="waitlisted", by=programme_admin_user
    )

    assert [Application.objects.get(pk=a.pk).waitlist_rank for a in applications[:2]] == [7, 8]


def test_a_decision_needs_a_submitted_application_and_a_real_decision(
    open_edition, programme_admin_user
):
    draft = ApplicationFactory(edition=open_edition, status="draft", submitted_at=None)
    withdrawn = ApplicationFactory(edition=open_edition, status="withdrawn")
    submitted = ApplicationFactory(edition=open_edition)

    for application in (draft, withdrawn):
        with pytest.raises(ValidationError) as error:
            decisions.decision_record(
                application=application, decision="accepted", by=programme_admin_user
            )
        assert error.value.messages == [
            f"{application.reference_number} is not a submitted application."
        ]
    with pytest.raises(ValidationError) as error:
        decisions.decision_record(application=submitted, decision="maybe", by=programme_admin_user)
    assert error.value.messages == ["“maybe” is not a decision."]
    assert DecisionChange.objects.count() == 0


# In bulk, from the admin list


def act(client, action, applications, query="", **confirmation):
    """Choose the action on the list, then confirm it on the page that follows."""
    selected = [a.pk for a in applications]
    client.post(
        f"{CHANGELIST}{query}", {"action": action, "index": "0", "_selected_action": selected}
    )
    return client.post(
        f"{CHANGELIST}{query}",
        {
            "action": action,
            "_selected_action": selected,
            "confirmed": "yes",
            # The fixtures' edition is still open for applications.
            "confirm_open": "on",
            **confirmation,
        },
        follow=True,
    )


def test_bulk_actions_record_decisions_for_the_selected(client, applications, programme_admin_user):
    client.force_login(programme_admin_user)

    page = act(client, "decide_accepted", applications[:2]).content.decode()
    act(client, "decide_unsuccessful", applications[2:3])

    assert "2 application(s) marked accepted." in page
    decided = dict(Application.objects.values_list("pk", "decision"))
    assert [decided[a.pk] for a in applications] == ["accepted", "accepted", "unsuccessful", ""]
    assert sorted(DecisionChange.objects.values_list("application", "decision", "changed_by")) == [
        (applications[0].pk, "accepted", programme_admin_user.pk),
        (applications[1].pk, "accepted", programme_admin_user.pk),
        (applications[2].pk, "unsuccessful", programme_admin_user.pk),
    ]
    assert set(Application.objects.exclude(decision="").values_list("decided_by", flat=True)) == {
        programme_admin_user.pk
    }


def test_bulk_waitlisting_ranks_in_the_order_the_list_shows(
    client, open_edition, programme_admin_user
):
    """Sort the list by score, best first, select them all, waitlist: best is first."""
    scored = {}
    for total_per_score in (2, 5, 3, 4):
        application = application_with_referees(edition=open_edition, references=2)
        ReviewFactory(
            application=application,
            commitment=total_per_score,
            experience=total_per_score,
            project=total_per_score,
            potential=total_per_score,
        )
        scored[total_per_score] = application
    client.force_login(programme_admin_user)
    listing = client.get(CHANGELIST)
    score_column = listing.context["cl"].list_display.index("score")

    act(client, "decide_waitlisted", scored.values(), query=f"?o=-{score_column}")

    ranks = dict(Application.objects.values_list("pk", "waitlist_rank"))
    assert [ranks[scored[s].pk] for s in (5, 4, 3, 2)] == [1, 2, 3, 4]


def test_bulk_waitlisting_continues_after_the_existing_waitlist(
    client, applications, programme_admin_user
):
    decisions.decision_record(
        application=applications[0], decision="waitlisted", by=programme_admin_user
    )
    client.force_login(programme_admin_user)
    column = client.get(CHANGELIST).context["cl"].list_display.index("submitted_on")

    act(client, "decide_waitlisted", applications[2:], query=f"?o={column}")  # oldest first

    ranks = dict(Application.objects.values_list("pk", "waitlist_rank"))
    assert [ranks[a.pk] for a in applications] == [1, None, 2, 3]


def test_the_admin_list_shows_decisions_ranks_and_scores_to_programme_admins(
    client, applications, programme_admin_user
):
    decisions.decision_record(
        application=applications[0], decision="waitlisted", by=programme_admin_user
    )
    ReviewFactory(application=applications[0], commitment=4, experience=4, project=4, potential=4)
    ReviewFactory(application=applications[0], commitment=2, experience=2, project=2, potential=2)
    client.force_login(programme_admin_user)

    page = client.get(f"{CHANGELIST}?decision=waitlisted").content.decode()

    assert '<td class="field-decision">Waitlisted</td>' in page
    assert '<td class="field-waitlist_rank">1</td>' in page
    assert '<td class="field-score">12.0 (8–16)</td>' in page
    assert client.get(f"{CHANGELIST}?decision=none").context["cl"].result_count == 3


# Frozen after release


@pytest.fixture
def released(open_edition, applications, programme_admin_user):
    for application in applications:
        decisions.decision_record(
            application=application, decision="accepted", by=programme_admin_user
        )
    return decisions.decisions_release(edition=open_edition, by=programme_admin_user)


def test_decisions_are_frozen_after_release(applications, released, programme_admin_user):
    with pytest.raises(ValidationError) as error:
        decisions.decision_record(
            application=applications[0], decision="unsuccessful", by=programme_admin_user
        )

    assert error.value.messages == ["Decisions for this edition have been released and are frozen."]
    assert Application.objects.get(pk=applications[0].pk).decision == "accepted"
    assert DecisionChange.objects.count() == 4
    assert Application.objects.get(pk=applications[0].pk).decision_frozen is True


def test_the_admin_action_after_release_says_so_and_changes_nothing(
    client, applications, released, programme_admin_user
):
    client.force_login(programme_admin_user)

    page = act(client, "decide_unsuccessful", applications).content.decode()

    assert "Decisions for this edition have been released and are frozen." in page
    assert "marked unsuccessful" not in page
    assert set(Application.objects.values_list("decision", flat=True)) == {"accepted"}
    assert DecisionChange.objects.count() == 4


def test_decisions_in_another_edition_are_not_frozen(applications, released, programme_admin_user):
    elsewhere = application_with_referees(edition=EditionFactory(), references=2)

    decisions.decision_record(application=elsewhere, decision="accepted", by=programme_admin_user)

    assert Application.objects.get(pk=elsewhere.pk).decision == "accepted"


# The selection dashboard


@pytest.fixture
def selection(open_edition, programme_admin_user):
    """Five submitted applications, a draft and a withdrawn one, with reviews and decisions."""

    def submitted(region, weekend, references, decision, totals):
        application = application_with_referees(
            edition=open_edition, region=region, weekend_choice=weekend, references=references
        )
        if decision:
            decisions.decision_record(
                application=application, decision=decision, by=programme_admin_user
            )
        for total in totals:
            # A total as four scores: spread it over the rubric.
            base, extra = divmod(total, 4)
            scores = [base + (1 if i < extra else 0) for i in range(4)]
            ReviewFactory(
                application=application,
                commitment=scores[0],
                experience=scores[1],
                project=scores[2],
                potential=scores[3],
            )
        return application

    return {
        "a": submitted("london", "a", 2, "accepted", [16, 18]),  # mean 17
        "b": submitted("yorkshire", "both", 2, "accepted", [12]),  # mean 12
        "c": submitted("london", "b", 1, "waitlisted", [9, 10]),  # mean 9.5
        "d": submitted("wales", "neither", 0, "unsuccessful", []),
        "e": submitted("london", "both", 2, "", [19]),  # mean 19
        "draft": ApplicationFactory(
            edition=open_edition, status="draft", submitted_at=None, region="scotland"
        ),
        "withdrawn": ApplicationFactory(edition=open_edition, status="withdrawn", region="wales"),
    }


def test_the_dashboard_shows_exact_counts(client, programme_admin_user, selection, open_edition):
    client.force_login(programme_admin_user)

    response = client.get(f"/staff/selection/{open_edition.pk}/")

    figures = response.context["figures"]
    assert figures["status"] == [("Draft", 1), ("Submitted", 5), ("Withdrawn", 1)]
    assert figures["decisions"] == [
        ("Accepted", 2),
        ("Waitlisted", 1),
        ("Unsuccessful", 1),
        ("No decision yet", 1),
    ]
    assert (
        figures["submitted"],
        figures["references_complete"],
        figures["references_incomplete"],
        figures["places"],
        figures["accepted"],
        figures["places_left"],
        figures["reviewed"],
    ) == (5, 3, 2, 40, 2, 38, 4)
    assert figures["regions"] == [
        ("Yorkshire and the Humber", 1, 1),
        ("London", 3, 1),
        ("Wales", 1, 0),
    ]
    assert figures["weekends"] == [
        ("Weekend A only (London)", 1, 1),
        ("Weekend B only (Leeds)", 1, 0),
        ("Either weekend", 2, 1),
        ("Neither", 1, 0),
    ]
    assert [(bar.label, bar.value) for bar in figures["score_bars"] if bar.value] == [
        ("8–9", 1),
        ("12–13", 1),
        ("16–17", 1),
        ("18–19", 1),
    ]
    page = response.content.decode()
    assert '<span class="stat-value">5</span> submitted' in page
    assert '<span class="stat-value">3</span> with both references' in page
    assert '<span class="stat-value">2</span> accepted of 40 places' in page
    assert '<span class="stat-value">4</span> reviewed' in page
    # Each number links to the list of what it counts.
    listed = f"/admin/applications/application/?edition__id__exact={open_edition.pk}"
    submitted = f"{listed}&amp;status__exact=submitted"
    assert (
        '<tr><td>Withdrawn</td><td class="text-end">'
        f'<a href="{listed}&amp;status__exact=withdrawn">'
        '1<span class="visually-hidden"> withdrawn</span></a></td></tr>'
    ) in page
    assert (
        f'<tr><td>No decision yet</td><td class="text-end"><a href="{submitted}&amp;decision=none">'
        '1<span class="visually-hidden"> no decision yet</span></a></td></tr>'
    ) in page
    assert (
        f'References: <a href="{submitted}&amp;references=complete">3 complete</a>, '
        f'<a href="{submitted}&amp;references=incomplete">2 still waiting</a>.'
    ) in page
    assert (
        f'<tr><td>London</td><td class="text-end"><a href="{submitted}&amp;region__exact=london">'
        '3<span class="visually-hidden"> London</span></a></td><td class="text-end">1</td></tr>'
    ) in page
    assert (
        '<tr><td>Weekend A only (London)</td><td class="text-end">'
        f'<a href="{submitted}&amp;weekend_choice__exact=a">1<span class="visually-hidden"> '
        'Weekend A only (London)</span></a></td><td class="text-end">1</td></tr>'
    ) in page
    assert f'<a class="stat" href="/staff/reviews/?edition={open_edition.pk}">' in page
    assert "Scotland" not in page  # drafts are not counted by region


def test_the_dashboard_of_the_current_edition_is_the_default(
    client, programme_admin_user, selection, open_edition
):
    client.force_login(programme_admin_user)

    page = client.get("/staff/selection/").content.decode()

    assert f"Selection dashboard: {open_edition.name}</h1>" in page
    assert f'action="/staff/selection/{open_edition.pk}/assign/"' in page
    assert f'href="/staff/selection/{open_edition.pk}/release/"' in page


def test_the_dashboard_query_count_does_not_grow_with_applications(
    client, programme_admin_user, open_edition
):
    client.force_login(programme_admin_user)
    regions = ["london", "wales", "yorkshire", "scotland"]
    made = []

    def make(n):
        for _ in range(n):
            i = len(made)
            application = application_with_referees(
                edition=open_edition, references=i % 3, region=regions[i % 4]
            )
            ReviewFactory(application=application, commitment=1 + i % 5)
            if i % 2:
                decisions.decision_record(
                    application=application,
                    decision=["accepted", "waitlisted", "unsuccessful"][i % 3],
                    by=programme_admin_user,
                )
            made.append(application)

    make(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/staff/selection/").context["figures"]["submitted"] == 2
    make(38)
    with CaptureQueriesContext(connection) as many:
        figures = client.get("/staff/selection/").context["figures"]

    assert (figures["submitted"], figures["reviewed"]) == (40, 40)
    assert len(many) == len(few)


def test_the_dashboard_after_release_shows_sending_and_offers(
    client, programme_admin_user, open_edition, applications, released
):
    OutboxEmail.objects.filter(idempotency_key__endswith=f":{applications[0].pk}").update(
        status="sent", sent_at=timezone.now()
    )
    OutboxEmail.objects.filter(idempotency_key__endswith=f":{applications[1].pk}").update(
        status="failed"
    )
    Application.objects.filter(pk=applications[2].pk).update(offer_status="declined")
    client.force_login(programme_admin_user)

    page = client.get(f"/staff/selection/{open_edition.pk}/").content.decode()

    released_at = timezone.localtime(released.released_at)
    assert (
        f"Released on {released_at:%-d %B %Y at %H:%M}: 4 outcome emails — 1 sent, 2 waiting, "
        '1 failed (<a href="/admin/applications/decisionrelease/">resend them in the admin</a>).'
    ) in page
    assert (
        "Offers: 3 awaiting an answer, 0 confirmed, 1 declined, 0 lapsed. "
        "0 on the waitlist; 37 places free."
    ) in page
    assert "Assign reviewers" not in page
    assert "Offer a free place to the next on the waitlist" not in page  # nobody waitlisted


def test_offer_counts_and_places_free(open_edition, applications, released):
    open_edition.cohort_count, open_edition.cohort_size = 1, 3
    open_edition.save(update_fields=["cohort_count", "cohort_size"])

    assert decisions.places_free(edition=open_edition) == 0
    Application.objects.filter(pk=applications[0].pk).update(offer_status="lapsed")
    assert decisions.places_free(edition=open_edition) == 0
    Application.objects.filter(pk=applications[1].pk).update(offer_status="declined")
    assert decisions.places_free(edition=open_edition) == 1
    assert decisions.offer_counts(edition=open_edition) == {
        "offered": 2,
        "confirmed": 0,
        "declined": 1,
        "lapsed": 1,
        "withdrawn": 0,
        "waitlist": 0,
    }


def test_release_time_is_shown_in_london_time(client, programme_admin_user, open_edition):
    open_edition.decisions_release_at = dt.datetime(
        open_edition.year, 6, 2, 8, 0, tzinfo=dt.UTC
    )  # 09:00 in London (BST)
    open_edition.offer_response_deadline = open_edition.decisions_release_at + dt.timedelta(days=14)
    open_edition.save(update_fields=["decisions_release_at", "offer_response_deadline"])
    client.force_login(programme_admin_user)

    page = client.get(f"/staff/selection/{open_edition.pk}/").content.decode()

    weekday = dt.date(open_edition.year, 6, 2).strftime("%A")
    assert (
        f"Decisions go out automatically at 09:00 on {weekday} 2 June {open_edition.year}, "
        "once every submitted application has one."
    ) in page
