"""The schedule on a phone, with the demo's running edition: a participant sees their next
session; a facilitator takes the register; a participant requests a free session and another
supports it; a programme admin looks over the curriculum and completion. axe scans each page."""

from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from cohorts.models import Participant
from panitch.demo import DEMO_PASSWORD
from panitch.models import User
from sessions.models import Attendance, FreeSessionRequest, FreeSessionSupport

from .axe import assert_accessible
from .demo_sign_in import sign_in


def test_a_participant_sees_their_next_session(page, live_server, full_demo):
    sign_in(page, live_server, "participant@example.org")

    page.get_by_role("link", name="Schedule", exact=True).click()

    expect(page.get_by_role("heading", name="Your schedule")).to_be_visible()
    expect(page.locator(".schedule-count")).to_contain_text("13 of 19")
    next_session = page.locator(".next-session")
    expect(next_session).to_contain_text("Socialist strategy: party, movement and state")
    expect(page.locator(".badge.tbc").first).to_have_text("To be confirmed")
    assert_accessible(page)

    next_session.get_by_role("link", name="Socialist strategy: party, movement and state").click()

    expect(page.get_by_role("heading", name="Socialist strategy")).to_be_visible()
    expect(page.get_by_text("The joining link appears here from")).to_be_visible()
    assert_accessible(page)


def test_a_facilitator_takes_the_register_on_a_phone(page, live_server, full_demo):
    sign_in(page, live_server, "facilitator@example.org")
    page.get_by_role("link", name="Schedule", exact=True).click()

    page.get_by_role(
        "link", name="Take the register for Imperialism and the labour movement"
    ).first.click()

    expect(
        page.get_by_role("heading", name="Register: Imperialism and the labour movement")
    ).to_be_visible()
    assert_accessible(page)
    participant = Participant.objects.get(person__email="participant@example.org")
    row = page.locator(f"#participant-{participant.pk}")
    row.get_by_role("button", name="Apologies").click()

    expect(page.locator(f"#participant-{participant.pk} .register-status")).to_have_text(
        "Recorded: Apologies"
    )
    entry = Attendance.objects.get(
        participant=participant, session__title="Imperialism and the labour movement"
    )
    assert (entry.status, entry.recorded_by.email) == ("apologies", "facilitator@example.org")
    assert_accessible(page)


def test_a_participant_requests_a_free_session_and_another_supports_it(
    page, live_server, full_demo
):
    sign_in(page, live_server, "participant@example.org")
    page.goto("/schedule/free-sessions/")
    assert_accessible(page)
    page.get_by_label("I would like a session on this").check()
    page.get_by_role("textbox", name="Topic").fill("Winning a union recognition campaign")
    page.get_by_role("button", name="Send it to my cohort").click()
    expect(page.get_by_text("your cohort can now see and support it")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    me = Participant.objects.get(person__email="participant@example.org")
    other = (
        Participant.objects.active()
        .filter(cohort=me.cohort)
        .exclude(pk=me.pk)
        .order_by("-pk")
        .first()
    )
    person = User.objects.get(pk=other.person_id)
    person.set_password(DEMO_PASSWORD)
    person.save()
    EmailAddress.objects.update_or_create(
        user=person, email=person.email, defaults={"verified": True, "primary": True}
    )
    sign_in(page, live_server, person.email)
    page.goto("/schedule/free-sessions/")

    request_item = page.locator(".free-request", has_text="Winning a union recognition campaign")
    request_item.get_by_role("button", name="Support this").click()

    expect(page.get_by_text("You support “Winning a union recognition campaign”.")).to_be_visible()
    request = FreeSessionRequest.objects.get(topic="Winning a union recognition campaign")
    assert request.requested_by == me
    assert list(
        FreeSessionSupport.objects.filter(request=request).values_list("participant", flat=True)
    ) == [other.pk]
    assert_accessible(page)


def test_a_programme_admin_reads_the_curriculum_and_completion(page, live_server, full_demo):
    sign_in(page, live_server, "admin@example.org")

    page.get_by_role("link", name="Curriculum", exact=True).click()

    expect(
        page.get_by_role("heading", name="1. Class politics: unequal power in the economy")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Add a session").click()
    assert_accessible(page)
    page.go_back()
    page.get_by_role(
        "link", name="Edit Class politics: unequal power in the economy for London"
    ).click()
    expect(page.locator("#id_title")).to_have_value("Class politics: unequal power in the economy")
    assert_accessible(page)
    page.go_back()
    page.get_by_role("link", name="Copy another edition's curriculum").click()
    assert_accessible(page)
    page.go_back()
    page.get_by_role("link", name="Attendance and completion").click()
    expect(page.get_by_text("13 of 19").first).to_be_visible()
    assert_accessible(page)
