"""After release: accepted applicants confirm (with a weekend) or decline by the deadline,
are reminded once at each point, lapse when silent, and freed places go down the waitlist."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from applications import decisions
from applications.models import Application, DecisionChange
from applications.tasks import decision_day
from panitch.models import OutboxEmail
from tests.applications.factories import application_with_referees
from tests.applications.helpers import field_errors, outbox
from tests.factories import UserFactory

PROGRAMME = "Leo Panitch Leadership Programme"
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def person(first, last):
    return UserFactory(
        first_name=first, last_name=last, email=f"{first.lower()}.{last.lower()}@example.org"
    )


def decide(edition, applicant, decision, by):
    application = application_with_referees(edition=edition, applicant=applicant, references=2)
    decisions.decision_record(application=application, decision=decision, by=by)
    return application


@pytest.fixture
def offered(open_edition, applicant, programme_admin_user):
    """Sam's accepted application, released now: an open offer."""
    application = decide(open_edition, applicant, "accepted", programme_admin_user)
    decisions.decisions_release(edition=open_edition, by=programme_admin_user)
    return Application.objects.get(pk=application.pk)


def test_nothing_reaches_the_applicant_before_release(
    signed_in, open_edition, applicant, programme_admin_user
):
    decide(open_edition, applicant, "accepted", programme_admin_user)

    dashboard = signed_in.get("/application/").content.decode()
    offer = signed_in.get("/application/offer/", follow=True).content.decode()

    release_day = timezone.localtime(open_edition.decisions_release_at)
    assert f"Every applicant hears the outcome by email on {release_day:%A %-d %B %Y}." in (
        dashboard
    )
    assert "offered a place" not in dashboard
    assert "Accepted" not in dashboard
    assert "You have no offer to answer." in offer
    assert OutboxEmail.objects.filter(to=applicant.email).count() == 0


def test_the_offer_page_offers_both_weekends(signed_in, offered, open_edition):
    page = signed_in.get("/application/offer/").content.decode()

    deadline = timezone.localtime(offered.offer_deadline)
    assert (
        "You have been offered a place. Please answer by "
        f"{deadline:%H:%M} on {deadline:%A %-d %B %Y}."
    ) in page
    assert re.findall(r'name="weekend" value="(\w+)"', page) == ["a", "b", "both"]
    assert re.search(r"Weekend A: [^<]* in London\s*</label>", page)
    assert re.search(r"Weekend B: [^<]* in Leeds\s*</label>", page)
    assert "Confirm my place</button>" in page


def test_confirming_with_a_weekend(signed_in, offered):
    before = timezone.now()

    response = signed_in.post("/application/offer/", {"answer": "confirm", "weekend": "b"})

    assert response.status_code == 302
    assert response["Location"] == "/application/"
    application = Application.objects.get(pk=offered.pk)
    assert (application.offer_status, application.confirmed_weekend) == ("confirmed", "b")
    assert before <= application.offer_responded_at <= timezone.now()
    dashboard = signed_in.get("/application/").content.decode()
    assert "Your place is confirmed. We will be in touch with your cohort and schedule." in (
        dashboard
    )
    assert "You have a place (Weekend B)." in dashboard
    page = signed_in.get("/application/offer/").content.decode()
    responded = timezone.localtime(application.offer_responded_at)
    assert f"You confirmed your place on {responded:%-d %B %Y} (Weekend B)." in page


def test_confirming_without_a_weekend_asks_for_one(signed_in, offered):
    response = signed_in.post("/application/offer/", {"answer": "confirm"})

    page = response.content.decode()
    assert response.status_code == 400
    assert field_errors(page, "weekend") == ["Tell us which weekend you can come to."]
    assert "Please tell us which weekend you can come to." in page
    application = Application.objects.get(pk=offered.pk)
    assert (application.offer_status, application.confirmed_weekend) == ("offered", "")
    assert application.offer_responded_at is None


def test_confirming_with_an_unknown_weekend_is_refused(signed_in, offered):
    response = signed_in.post("/application/offer/", {"answer": "confirm", "weekend": "c"})

    assert response.status_code == 400
    assert field_errors(response.content.decode(), "weekend") == [
        "Select a valid choice. c is not one of the available choices."
    ]
    assert Application.objects.get(pk=offered.pk).offer_status == "offered"


def test_declining(signed_in, offered):
    response = signed_in.post("/application/offer/", {"answer": "decline", "weekend": "a"})

    assert response["Location"] == "/application/"
    application = Application.objects.get(pk=offered.pk)
    assert (application.offer_status, application.confirmed_weekend) == ("declined", "")
    dashboard = signed_in.get("/application/").content.decode()
    assert "You have declined your place. Thank you for letting us know." in dashboard
    assert "You declined your place." in dashboard


def test_an_answer_is_final(signed_in, offered):
    signed_in.post("/application/offer/", {"answer": "confirm", "weekend": "a"})

    response = signed_in.post("/application/offer/", {"answer": "decline"})

    assert response.status_code == 200
    application = Application.objects.get(pk=offered.pk)
    assert (application.offer_status, application.confirmed_weekend) == ("confirmed", "a")
    with pytest.raises(ValidationError) as error:
        decisions.offer_respond(application=application, by=application.applicant, accept=False)
    assert error.value.messages == ["There is no open offer to answer."]


def test_answering_after_the_deadline_is_refused(signed_in, offered):
    Application.objects.filter(pk=offered.pk).update(offer_deadline=timezone.now() - HOUR)

    response = signed_in.post(
        "/application/offer/", {"answer": "confirm", "weekend": "a"}, follow=True
    )

    assert "The deadline to answer this offer has passed." in response.content.decode()
    application = Application.objects.get(pk=offered.pk)
    assert (application.offer_status, application.confirmed_weekend) == ("offered", "")


def test_past_the_deadline_the_form_is_gone_before_the_offer_lapses(signed_in, offered):
    Application.objects.filter(pk=offered.pk).update(offer_deadline=timezone.now() - HOUR)

    offer_page = signed_in.get("/application/offer/").content.decode()
    dashboard = signed_in.get("/application/").content.decode()

    assert "Confirm my place" not in offer_page
    assert "The deadline to answer this offer passed at" in offer_page
    assert "Confirm or decline it" not in dashboard
    assert "The offer lapsed: it was not answered by the deadline." in dashboard


def test_only_the_applicant_can_answer(offered):
    with pytest.raises(ValidationError) as error:
        decisions.offer_respond(application=offered, by=UserFactory(), accept=True, weekend="a")

    assert error.value.messages == ["Only the applicant can answer this offer."]
    assert Application.objects.get(pk=offered.pk).offer_status == "offered"


def test_someone_else_sees_no_offer(client, offered):
    client.force_login(UserFactory())

    response = client.get("/application/offer/")
    client.post("/application/offer/", {"answer": "decline"})

    assert response["Location"] == "/application/"
    assert Application.objects.get(pk=offered.pk).offer_status == "offered"


# Lapsing and reminders


@pytest.fixture
def three_offers(open_edition, programme_admin_user):
    applications = [
        decide(open_edition, person(first, "Lee"), "accepted", programme_admin_user)
        for first in ("Ann", "Bob", "Cat")
    ]
    decisions.decisions_release(edition=open_edition, at=timezone.now())
    return [Application.objects.get(pk=a.pk) for a in applications]


def test_unanswered_offers_lapse_after_the_deadline(three_offers):
    ann, bob, cat = three_offers
    decisions.offer_respond(application=ann, by=ann.applicant, accept=True, weekend="a")
    deadline = bob.offer_deadline

    assert decisions.offers_lapse(at=deadline - HOUR) == 0
    assert decisions.offers_lapse(at=deadline + HOUR) == 2
    assert decisions.offers_lapse(at=deadline + 2 * HOUR) == 0

    statuses = dict(Application.objects.values_list("pk", "offer_status"))
    assert [statuses[a.pk] for a in three_offers] == ["confirmed", "lapsed", "lapsed"]


def test_a_lapsed_offer_shows_on_the_applicants_pages(client, three_offers):
    bob = three_offers[1]
    decisions.offers_lapse(at=bob.offer_deadline + HOUR)
    client.force_login(bob.applicant)

    assert "The offer lapsed: it was not answered by the deadline." in (
        client.get("/application/").content.decode()
    )
    assert "The deadline to answer this offer has passed" in (
        client.get("/application/offer/").content.decode()
    )


def test_offer_reminders_go_out_once_each_five_and_one_days_before(three_offers):
    ann, bob, cat = three_offers
    decisions.offer_respond(application=ann, by=ann.applicant, accept=False)
    deadline = bob.offer_deadline

    runs = [
        decisions.offer_reminders(at=at)
        for at in (
            deadline - 6 * DAY,
            deadline - 5 * DAY + HOUR,
            deadline - 5 * DAY + 2 * HOUR,
            deadline - 3 * DAY,
            deadline - DAY + HOUR,
            deadline - DAY + 2 * HOUR,
            deadline - HOUR,
            deadline + HOUR,
        )
    ]

    assert runs == [0, 2, 0, 0, 2, 0, 0, 0]
    assert outbox("offer_reminder") == sorted(
        [
            (a.applicant.email, f"offer_reminder:{a.pk}:{days}")
            for a in (bob, cat)
            for days in (5, 1)
        ]
    )
    reminder = OutboxEmail.objects.filter(kind="offer_reminder").first()
    local = timezone.localtime(deadline)
    assert reminder.subject == f"Reminder: please answer your offer by {local:%-d %B}"
    assert "http://127.0.0.1:8000/application/offer/" in reminder.body_text


def test_the_decision_day_task_run_often_sends_each_reminder_once(three_offers):
    """Beat fires every minute: the task is safe to repeat."""
    bob = three_offers[1]
    with pytest.MonkeyPatch.context() as patch:
        for at in (bob.offer_deadline - 5 * DAY + HOUR, bob.offer_deadline - 5 * DAY + 2 * HOUR):
            patch.setattr(timezone, "now", lambda at=at: at)
            decision_day.apply()
            decision_day.apply()

    assert len(outbox("offer_reminder")) == 3
    assert {key.rsplit(":", 1)[1] for _, key in outbox("offer_reminder")} == {"5"}


def test_a_late_offer_gets_only_the_reminders_still_ahead(three_offers):
    ann = three_offers[0]
    Application.objects.filter(pk=ann.pk).update(offered_at=ann.offer_deadline - 3 * DAY)

    decisions.offer_reminders(at=ann.offer_deadline - 2 * DAY)
    decisions.offer_reminders(at=ann.offer_deadline - DAY + HOUR)

    assert [key for to, key in outbox("offer_reminder") if to == ann.applicant.email] == [
        f"offer_reminder:{ann.pk}:1"
    ]


# The waitlist


@pytest.fixture
def small_edition(open_edition, programme_admin_user):
    """Two places, both offered; two people on the waitlist; released."""
    open_edition.cohort_count, open_edition.cohort_size = 1, 2
    open_edition.save(update_fields=["cohort_count", "cohort_size"])
    people = {
        "ann": decide(open_edition, person("Ann", "Lee"), "accepted", programme_admin_user),
        "bob": decide(open_edition, person("Bob", "Lee"), "accepted", programme_admin_user),
        "cat": decide(open_edition, person("Cat", "Lee"), "waitlisted", programme_admin_user),
        "dan": decide(open_edition, person("Dan", "Lee"), "waitlisted", programme_admin_user),
        "eve": decide(open_edition, person("Eve", "Lee"), "unsuccessful", programme_admin_user),
    }
    decisions.decisions_release(edition=open_edition, by=programme_admin_user)
    return {name: Application.objects.get(pk=a.pk) for name, a in people.items()}


@pytest.fixture
def admin_client(client, programme_admin_user):
    client.force_login(programme_admin_user)
    return client


def offer_next(client, edition):
    response = client.post(f"/staff/selection/{edition.pk}/offer-next/", follow=True)
    assert response.redirect_chain == [(f"/staff/selection/{edition.pk}/", 302)]
    return response.content.decode()


def test_offer_next_refuses_while_no_place_is_free(admin_client, small_edition, open_edition):
    page = offer_next(admin_client, open_edition)

    assert "No place is free: every place is offered or confirmed." in page
    assert "Offer a free place to the next on the waitlist" not in page
    assert Application.objects.filter(decision="waitlisted").count() == 2
    assert outbox("offer_from_waitlist") == []


def test_after_a_decline_offer_next_offers_the_top_of_the_waitlist(
    admin_client, small_edition, open_edition, programme_admin_user
):
    ann, cat = small_edition["ann"], small_edition["cat"]
    decisions.offer_respond(application=ann, by=ann.applicant, accept=False)
    dashboard = admin_client.get(f"/staff/selection/{open_edition.pk}/").content.decode()
    assert "2 on the waitlist; 1 place free." in dashboard
    assert "Offer a free place to the next on the waitlist</button>" in dashboard
    before = timezone.now()

    page = offer_next(admin_client, open_edition)

    assert f"The free place is offered to {cat.reference_number}." in page
    cat = Application.objects.get(pk=cat.pk)
    assert (cat.decision, cat.waitlist_rank, cat.offer_status, cat.decided_by) == (
        "accepted",
        None,
        "offered",
        programme_admin_user,
    )
    assert before <= cat.offered_at <= timezone.now()
    assert cat.offer_deadline == open_edition.offer_response_deadline
    assert list(cat.decision_changes.values_list("decision", "changed_by", "note")) == [
        ("waitlisted", programme_admin_user.pk, ""),
        ("accepted", programme_admin_user.pk, "Offered a freed place from the waitlist"),
    ]
    assert outbox("offer_from_waitlist") == [
        ("cat.lee@example.org", f"offer_from_waitlist:{cat.pk}")
    ]
    email = OutboxEmail.objects.get(kind="offer_from_waitlist")
    deadline = timezone.localtime(cat.offer_deadline)
    assert email.subject == f"A place has come up for you on the {PROGRAMME}"
    assert email.body_text.startswith("Hello Cat,\n\nGood news: a place has become free")
    assert f"by {deadline:%H:%M} on {deadline:%A %-d %B %Y}" in email.body_text
    assert "1 on the waitlist; 0 places free." in page

    # The place is taken again: a second click changes nothing and sends nothing.
    again = offer_next(admin_client, open_edition)
    assert "No place is free: every place is offered or confirmed." in again
    assert Application.objects.get(pk=small_edition["dan"].pk).decision == "waitlisted"
    assert len(outbox("offer_from_waitlist")) == 1
    assert DecisionChange.objects.filter(note__startswith="Offered").count() == 1


def test_the_freed_place_can_be_confirmed_by_the_person_offered_it(
    client, admin_client, small_edition, open_edition
):
    ann, cat = small_edition["ann"], small_edition["cat"]
    decisions.offer_respond(application=ann, by=ann.applicant, accept=False)
    offer_next(admin_client, open_edition)
    client.force_login(cat.applicant)

    client.post("/application/offer/", {"answer": "confirm", "weekend": "both"})

    cat = Application.objects.get(pk=cat.pk)
    assert (cat.offer_status, cat.confirmed_weekend) == ("confirmed", "both")


def test_a_lapsed_offer_frees_a_place_too(admin_client, small_edition, open_edition):
    bob = small_edition["bob"]
    decisions.offers_lapse(at=bob.offer_deadline + HOUR)  # Ann and Bob both lapse

    offer_next(admin_client, open_edition)
    offer_next(admin_client, open_edition)
    last = offer_next(admin_client, open_edition)

    assert "No place is free: every place is offered or confirmed." in last
    assert outbox("offer_from_waitlist") == [
        ("cat.lee@example.org", f"offer_from_waitlist:{small_edition['cat'].pk}"),
        ("dan.lee@example.org", f"offer_from_waitlist:{small_edition['dan'].pk}"),
    ]


def test_offer_next_refuses_when_nobody_is_waitlisted(admin_client, small_edition, open_edition):
    for name in ("ann", "bob"):
        application = small_edition[name]
        decisions.offer_respond(application=application, by=application.applicant, accept=False)
    offer_next(admin_client, open_edition)
    offer_next(admin_client, open_edition)

    page = offer_next(admin_client, open_edition)
    cat = small_edition["cat"]
    decisions.offer_respond(application=cat, by=cat.applicant, accept=False)
    empty = offer_next(admin_client, open_edition)

    assert "No place is free: every place is offered or confirmed." in page
    assert "Nobody is left on the waitlist." in empty
    assert len(outbox("offer_from_waitlist")) == 2
    assert Application.objects.get(pk=small_edition["eve"].pk).decision == "unsuccessful"


def test_offer_next_needs_the_release_first(admin_client, open_edition, programme_admin_user):
    decide(open_edition, person("Cat", "Lee"), "waitlisted", programme_admin_user)

    page = offer_next(admin_client, open_edition)

    assert "Places are offered from the waitlist only after release." in page
    assert Application.objects.get().decision == "waitlisted"
    assert OutboxEmail.objects.count() == 0


def test_a_late_waitlist_offer_gets_at_least_a_week(
    admin_client, small_edition, open_edition, programme_admin_user
):
    ann = small_edition["ann"]
    decisions.offer_respond(application=ann, by=ann.applicant, accept=False)
    open_edition.offer_response_deadline = timezone.now() + DAY
    open_edition.save(update_fields=["offer_response_deadline"])
    before = timezone.now()

    decisions.waitlist_offer_next(edition=open_edition, by=programme_admin_user)

    cat = Application.objects.get(pk=small_edition["cat"].pk)
    assert before + 7 * DAY <= cat.offer_deadline <= timezone.now() + 7 * DAY
