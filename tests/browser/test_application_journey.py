"""Application intake with two political referees, in a browser on a phone.

An anonymous visitor signs up from the programme page, verifies their email, fills in every
step (once with an eligibility error), names two referees and submits; each referee answers
from the link in their email, without an account; a reviewer reads both references in the
admin. axe scans every page on the way, error pages included.
"""

import re

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from applications.enums import ApplicationStatus, Recommendation
from applications.models import Application, Referee, Reference
from applications.reviews import reviews_assign
from panitch.models import OutboxEmail, User
from tests.factories import UserFactory, open_edition_now

from .axe import assert_accessible
from .conftest import PHONE

APPLICANT = {
    "first_name": "Sam",
    "last_name": "Okafor",
    "email": "sam.okafor@example.org",
    "password": "Harehills-renters-2021",
}
REFEREES = [
    {
        "name": "Ada Referee",
        "email": "ref.one@example.org",
        "phone": "",
        "organisation": "Secretary, Leeds Momentum",
        "relationship": "We organise together in Leeds Momentum",
        "known_for": "three years",
    },
    {
        "name": "Ben Referee",
        "email": "ref.two@example.org",
        "phone": "0113 496 0000",
        "organisation": "Branch chair, Unite",
        "relationship": "My union branch chair",
        "known_for": "two years",
    },
]
REFERENCES = [
    {
        "relationship": "Sam and I run Leeds Momentum's political education together.",
        "known_for": "Three years",
        "commitment": "Sam turns up every week and brings new renters into the group.",
        "examples": "Sam organised the Harehills rent strike meeting of 60 tenants.",
        "recommendation": "Yes, I recommend them",
    },
    {
        "relationship": "Sam is a rep in my Unite branch.",
        "known_for": "Two years",
        "commitment": "Sam argued for and won the branch's affiliation to the tenants' union.",
        "examples": "Sam recruited twelve members at the hospital site in one month.",
        "recommendation": "Yes, with reservations",
    },
]
REVIEWER_PASSWORD = "correct-horse-battery"
WEEKEND_ERROR = (
    "Every participant comes to one in-person weekend: it is where the cohort first meets and "
    "ten of the nineteen sessions happen. If neither weekend works this year, the programme "
    "runs again next year."
)


@pytest.fixture
def open_edition(transactional_db):
    """An edition taking applications now."""
    return open_edition_now()


def link_in_email(email: OutboxEmail, path_pattern: str, live_server) -> str:
    """The link in an email's text body, moved from the public base URL to the live server."""
    base = re.escape(settings.PANITCH_BASE_URL)
    match = re.search(rf"{base}({path_pattern})", email.body_text)
    assert match, f"no link matching {path_pattern} in:\n{email.body_text}"
    return live_server.url + match.group(1)


def group(page, legend: str):
    """A fieldset (radio buttons, checkboxes) by its legend."""
    return page.get_by_role("group", name=legend)


def save_and_continue(page):
    page.get_by_role("button", name="Save and continue").click()


def expect_step(page, live_server, slug: str, title: str, position: int, heading: str = ""):
    expect(page).to_have_url(f"{live_server.url}/apply/{slug}/")
    expect(page).to_have_title(f"{title} · Apply · Leo Panitch Leadership Programme")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading or title)
    expect(page.get_by_text(f"Step {position} of 10", exact=True)).to_be_visible()
    assert_accessible(page)


def sign_up_and_verify(page, live_server, edition):
    page.goto("/")
    expect(page).to_have_title(f"Leo Panitch Leadership Programme {edition.name}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Leo Panitch Leadership Programme {edition.name}"
    )
    closes = timezone.localtime(edition.applications_close_at)
    expect(
        page.get_by_text(f"Applications are open until {closes:%H:%M, %A %-d %B %Y}.")
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Apply now").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/signup/?next=/apply/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign Up")
    assert_accessible(page)

    page.get_by_label("First name").fill(APPLICANT["first_name"])
    page.get_by_label("Last name").fill(APPLICANT["last_name"])
    page.get_by_label("Email").fill(APPLICANT["email"])
    # Two labels start "Password"; the first is exactly that (crispy adds "*" when required).
    password = page.get_by_role("textbox", name=re.compile(r"^Password\*?$"))
    password_again = page.get_by_label("Password (again)")
    password.fill(APPLICANT["password"])
    password_again.fill(APPLICANT["password"] + "!")
    page.get_by_role("button", name="Sign Up").click()

    # A mistyped second password: the form comes back with the error beside that field.
    expect(page.locator("#id_password2_error")).to_have_text(
        "You must type the same password each time."
    )
    expect(password_again).to_have_accessible_description(
        "You must type the same password each time."
    )
    expect(page.get_by_label("First name")).to_have_value(APPLICANT["first_name"])
    assert not User.objects.filter(email=APPLICANT["email"]).exists()
    assert_accessible(page)

    password.fill(APPLICANT["password"])
    password_again.fill(APPLICANT["password"])
    page.get_by_role("button", name="Sign Up").click()

    expect(page).to_have_url(f"{live_server.url}/accounts/confirm-email/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")
    assert_accessible(page)

    user = User.objects.get(email=APPLICANT["email"])
    assert (user.first_name, user.last_name) == (APPLICANT["first_name"], APPLICANT["last_name"])
    email = OutboxEmail.objects.get(kind="email_confirmation_signup", to=APPLICANT["email"])
    page.goto(link_in_email(email, r"/accounts/confirm-email/[^/\s]+/", live_server))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Email Address")
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()

    # Confirming signs the applicant in and takes them where "Apply now" was going: step 1.
    expect(page).to_have_url(f"{live_server.url}/apply/about/")
    expect(page.locator(".signed-in-as")).to_have_text(f"Signed in as {APPLICANT['email']}")
    return user


def fill_in_every_step(page, live_server, edition):
    expect_step(page, live_server, "about", "About you", 1)
    expect(page.get_by_text(f"Your email address is {APPLICANT['email']}")).to_be_visible()
    # The names given at sign-up are already filled in.
    expect(page.get_by_label("First name")).to_have_value(APPLICANT["first_name"])
    expect(page.get_by_label("Last name")).to_have_value(APPLICANT["last_name"])
    page.get_by_label("Pronouns").fill("they/them")
    page.get_by_label("Phone number").fill("07700 900123")
    page.get_by_label("Postcode").fill("ls1 4ap")
    page.get_by_label("Region").select_option(label="Yorkshire and the Humber")
    save_and_continue(page)

    expect_step(page, live_server, "membership", "Membership", 2)
    group(page, "Are you a member of Momentum?").get_by_label("Yes").check()
    page.get_by_label("Membership number or the email used to join").fill(APPLICANT["email"])
    page.get_by_label("Local Momentum group").fill("Leeds Momentum")
    page.get_by_label("Constituency Labour Party (CLP)").fill("Leeds Central")
    page.get_by_label("Trade union").fill("Unite")
    save_and_continue(page)

    expect_step(page, live_server, "experience", "Your organising", 3)
    kinds = group(page, "Which kinds of organising have you done?")
    kinds.get_by_label("Local Momentum group").check()
    kinds.get_by_label("Tenants' union or housing group").check()
    page.get_by_label("What have you done, and what did it achieve?").fill(
        "Two years organising a tenants' union in Harehills."
    )
    save_and_continue(page)

    expect_step(page, live_server, "project", "Your local project", 4)
    page.get_by_label("Give your project a short title").fill(
        "Harehills renters' political education series"
    )
    group(page, "What kind of project is it?").get_by_label(
        "A political education event or series"
    ).check()
    page.get_by_label("What will you do?").fill(
        "Monthly sessions on housing and class for renters."
    )
    page.get_by_label("Who will it involve?").fill("The tenants' union and Leeds Momentum.")
    page.get_by_label("What would success look like by the end of the programme?").fill(
        "Thirty renters attend and five join the local group."
    )
    save_and_continue(page)

    # Availability: first with neither weekend, which the programme cannot take.
    expect_step(page, live_server, "availability", "Availability", 5)
    weekends = group(page, "Which in-person weekend can you come to?")
    weekends.get_by_label("Neither weekend").check()
    group(page, "Can you take part in the online closing day?").get_by_label("Yes").check()
    group(page, "Can you join most of the online sessions?").get_by_label("Yes").check()
    group(page, "Do you have internet and a laptop, tablet or phone for video calls?").get_by_label(
        "Yes"
    ).check()
    save_and_continue(page)

    expect(page).to_have_url(f"{live_server.url}/apply/availability/")
    expect(page).to_have_title("Error: Availability · Apply · Leo Panitch Leadership Programme")
    expect(page.get_by_role("alert")).to_have_text("Please correct the answers marked below.")
    # The message sits inside the weekend question's fieldset, which points to it.
    error = page.locator("#id_weekend_choice_error")
    expect(error).to_have_text(WEEKEND_ERROR)
    expect(error).to_be_visible()
    expect(weekends).to_contain_text(WEEKEND_ERROR)
    expect(weekends).to_have_accessible_description(re.compile(re.escape(WEEKEND_ERROR)))
    expect(weekends.get_by_label("Neither weekend")).to_be_checked()
    expect(weekends.get_by_label("Neither weekend")).to_have_attribute("aria-invalid", "true")
    # Only that question is wrong; the answers to the others are kept.
    expect(page.locator(".invalid-feedback")).to_have_count(1)
    expect(
        group(page, "Can you take part in the online closing day?").get_by_label("Yes")
    ).to_be_checked()
    assert_accessible(page)

    weekends.get_by_label("Either weekend (this helps us the most)").check()
    save_and_continue(page)

    expect_step(page, live_server, "travel", "Travel and access", 6)
    group(page, "Would you need your travel to the weekend paid for?").get_by_label("Yes").check()
    group(page, f"Roughly how long is your journey to {edition.weekend_a_city}?").get_by_label(
        "More than 2½ hours"
    ).check()
    group(page, f"Roughly how long is your journey to {edition.weekend_b_city}?").get_by_label(
        "Under 1 hour"
    ).check()
    group(page, "Might you need accommodation for the weekend?").get_by_label("No").check()
    page.get_by_label("Do you have any access requirements?").fill("A step-free venue, please.")
    save_and_continue(page)

    # Referees: first the same person twice (the second email copied from the first).
    expect_step(page, live_server, "referees", "Political referees", 7)
    for legend, referee in zip(("First referee", "Second referee"), REFEREES, strict=True):
        fieldset = group(page, legend)
        fieldset.get_by_label("Full name").fill(referee["name"])
        fieldset.get_by_label("Email").fill(REFEREES[0]["email"])
        fieldset.get_by_label("Phone number (optional)").fill(referee["phone"])
        fieldset.get_by_label("Organisation and role").fill(referee["organisation"])
        fieldset.get_by_label("How do they know you?").fill(referee["relationship"])
        fieldset.get_by_label("For how long?").fill(referee["known_for"])
    save_and_continue(page)

    expect(page).to_have_title(
        "Error: Political referees · Apply · Leo Panitch Leadership Programme"
    )
    expect(page.get_by_role("alert")).to_have_text(
        "Please correct the referee details marked below."
    )
    second_email = group(page, "Second referee").get_by_label("Email")
    expect(page.locator("#id_referee2-email_error")).to_have_text(
        "Your two referees must be different people."
    )
    expect(second_email).to_have_accessible_description(
        "Your two referees must be different people."
    )
    expect(page.locator(".invalid-feedback")).to_have_count(1)
    expect(group(page, "Second referee").get_by_label("Full name")).to_have_value(
        REFEREES[1]["name"]
    )
    assert_accessible(page)

    second_email.fill(REFEREES[1]["email"])
    save_and_continue(page)

    expect_step(page, live_server, "consent", "Privacy and consent", 8)
    expect(page.get_by_role("link", name="privacy notice (version 2021-1)")).to_have_attribute(
        "href", "/privacy/"
    )
    consent = page.get_by_label(
        "I agree that the programme may process my political opinions and my trade union membership"
    )
    expect(consent).not_to_be_checked()
    consent.check()
    save_and_continue(page)

    expect_step(
        page, live_server, "equality", "Equality monitoring", 9, "Equality monitoring optional"
    )
    page.get_by_label("Your age").select_option("25–34")
    page.get_by_label("Your gender").fill("Non-binary")
    save_and_continue(page)


REVIEW_TERMS = [
    "Name",
    "Email",
    "Pronouns",
    "Phone",
    "Postcode",
    "Region",
    "Momentum member",
    "Membership number or email",
    "Local Momentum group",
    "CLP",
    "Trade union",
    "Kinds of organising",
    "What you have done",
    "Title",
    "Kind",
    "What you will do",
    "Who it involves",
    "What success looks like",
    "In-person weekend",
    "Closing day",
    "Online sessions",
    "Device and internet for video calls",
    "Travel paid",
    "Journey to London",
    "Journey to Leeds",
    "Might need accommodation",
    "Access requirements",
    "First referee",
    "Second referee",
]


def outbox(kind: str) -> list[str]:
    return sorted(OutboxEmail.objects.filter(kind=kind).values_list("to", flat=True))


def new_phone_context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(10_000)
    return context


def give_reference(browser, live_server, link, referee, answers, *, first=False):
    """The referee opens their link on their own phone, with no account, and answers."""
    context = new_phone_context(browser, live_server)
    try:
        page = context.new_page()
        response = page.goto(link)
        assert response.status == 200
        expect(page).to_have_title("Reference for Sam Okafor · Leo Panitch Leadership Programme")
        expect(page.get_by_role("heading", level=1)).to_have_text("A reference for Sam Okafor")
        expect(page.get_by_text(f"Dear {referee['name']}, Sam Okafor has applied")).to_be_visible()
        expect(page.locator(".signed-in-as")).to_have_count(0)
        assert_accessible(page)

        if first:
            # Sent with nothing filled in: every question says what is missing.
            page.get_by_role("button", name="Send my reference").click()
            expect(page).to_have_title(
                "Error: Reference for Sam Okafor · Leo Panitch Leadership Programme"
            )
            expect(page.get_by_role("alert")).to_have_text(
                "Please correct the answers marked below."
            )
            expect(page.locator(".invalid-feedback")).to_have_text(["This field is required."] * 5)
            # The limit (help text), the error, then what is left (static/js/charcount.js).
            expect(page.get_by_label("How do you know them?")).to_have_accessible_description(
                "Up to 3,000 characters. This field is required. 3,000 of 3,000 characters left"
            )
            assert not Reference.objects.exists()
            assert_accessible(page)

        page.get_by_label("How do you know them?").fill(answers["relationship"])
        page.get_by_label("For how long have you known them?").fill(answers["known_for"])
        page.get_by_label("How committed are they to socialist ideas and to organising?").fill(
            answers["commitment"]
        )
        page.get_by_label("Give one or two examples of their organising").fill(answers["examples"])
        page.get_by_role("group", name="Do you recommend them for the programme?").get_by_label(
            answers["recommendation"]
        ).check()
        page.get_by_role("button", name="Send my reference").click()

        expect(page).to_have_url(link)
        expect(page).to_have_title("Thank you · Leo Panitch Leadership Programme")
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
        expect(page.get_by_text("Your reference for Sam Okafor reached us on")).to_contain_text(
            "There is nothing more to do."
        )
        assert_accessible(page)
    finally:
        context.close()


def read_references_in_the_admin(browser, live_server, application):
    reviewer = UserFactory(role="Reviewer")
    # Reviewers see the applications assigned to them: the programme admin's assignment step.
    assert reviews_assign(edition=application.edition) == 1
    context = new_phone_context(browser, live_server)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign In")
        assert_accessible(page)
        page.get_by_label("Email").fill(reviewer.email)
        page.get_by_label("Password").fill(REVIEWER_PASSWORD)
        page.get_by_role("button", name="Sign In", exact=True).click()
        expect(page).to_have_url(f"{live_server.url}/")
        expect(page.locator(".signed-in-as")).to_have_text(
            f"Signed in as {reviewer.email} · Reviewer"
        )
        assert_accessible(page)

        page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff admin").click()
        expect(page).to_have_url(f"{live_server.url}/admin/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Programme administration")
        assert_accessible(page)

        # The "Applications" model in the "Applications" app's table on the admin index.
        page.get_by_role("rowheader", name="Applications", exact=True).get_by_role("link").click()
        expect(page).to_have_url(f"{live_server.url}/admin/applications/application/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Select application to view")
        row = page.locator("#result_list tbody tr")
        expect(row).to_have_count(1)
        expect(row.locator(".field-status")).to_have_text("Submitted")
        expect(row.locator("td.field-references")).to_have_text("2/2")
        assert_accessible(page)

        row.get_by_role("link", name=application.reference_number).click()
        expect(page).to_have_url(
            f"{live_server.url}/admin/applications/application/{application.pk}/change/"
        )
        expect(page.get_by_role("heading", level=1)).to_have_text("View application")
        content = page.locator("#content")
        # Blind review, each edition's default: no names or contact details, only the words.
        expect(page).to_have_title(re.compile(rf"^Application {application.reference_number} \|"))
        for hidden in (APPLICANT["last_name"], APPLICANT["email"], "07700 900123"):
            expect(page.locator("body")).not_to_contain_text(hidden)
        for referee in REFEREES:
            expect(page.locator("body")).not_to_contain_text(referee["name"])
            expect(page.locator("body")).not_to_contain_text(referee["email"])
        for answers in REFERENCES:
            for key in ("relationship", "known_for", "commitment", "examples"):
                expect(content).to_contain_text(answers[key])
            expect(content).to_contain_text(f"Recommendation: {answers['recommendation']}.")
        assert_accessible(page)
    finally:
        context.close()


def test_application_intake_with_two_political_referees(page, browser, live_server, open_edition):
    edition = open_edition

    # 1. Sign up from the programme page and verify the email address, which signs in.
    applicant = sign_up_and_verify(page, live_server, edition)

    # 2. Every step, through the form's own labels.
    fill_in_every_step(page, live_server, edition)

    expect(page).to_have_url(f"{live_server.url}/apply/review/")
    expect(page).to_have_title("Check and submit · Apply · Leo Panitch Leadership Programme")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your application")
    expect(page.get_by_text("Step 10 of 10", exact=True)).to_be_visible()
    assert_accessible(page)
    application = Application.objects.get(edition=edition, applicant=applicant)
    assert application.status == ApplicationStatus.DRAFT
    consented_on = f"{timezone.localtime(application.consented_at):%-d %B %Y}"
    answers = page.locator(".answers")
    expect(answers.locator("dt")).to_have_text(REVIEW_TERMS)
    expect(answers.locator("dd")).to_have_text(
        [
            "Sam Okafor",
            APPLICANT["email"],
            "they/them",
            "07700 900123",
            "LS1 4AP",
            "Yorkshire and the Humber",
            "Yes",
            APPLICANT["email"],
            "Leeds Momentum",
            "Leeds Central",
            "Unite",
            "Local Momentum group, Tenants' union or housing group",
            "Two years organising a tenants' union in Harehills.",
            "Harehills renters' political education series",
            "A political education event or series",
            "Monthly sessions on housing and class for renters.",
            "The tenants' union and Leeds Momentum.",
            "Thirty renters attend and five join the local group.",
            "Either weekend",
            "Available",
            "Can join most",
            "Yes",
            "Needed",
            "More than 2½ hours",
            "Under 1 hour",
            "No",
            "A step-free venue, please.",
            "Ada Referee, Secretary, Leeds Momentum (ref.one@example.org) "
            "We organise together in Leeds Momentum, for three years",
            "Ben Referee, Branch chair, Unite (ref.two@example.org, 0113 496 0000) "
            "My union branch chair, for two years",
        ]
    )
    expect(answers).to_contain_text(
        f"Consent given on {consented_on} (privacy notice version 2021-1)."
    )
    # Nothing has gone out yet: the referees are asked only when the application is submitted.
    assert not OutboxEmail.objects.filter(kind="reference_request").exists()

    page.get_by_role("button", name="Submit my application").click()

    expect(page).to_have_url(f"{live_server.url}/application/")
    expect(page).to_have_title("Your application · Leo Panitch Leadership Programme")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your application")
    expect(page.locator(".messages")).to_have_text(
        "Your application is submitted. We have emailed you a confirmation and asked your "
        "referees for their references."
    )
    application.refresh_from_db()
    submitted_on = f"{timezone.localtime(application.submitted_at):%-d %B %Y}"
    status = page.get_by_role("region", name=f"Leo Panitch Leadership Programme {edition.name}")
    expect(status.locator("dd")).to_contain_text(
        [f"Submitted on {submitted_on}", "References received: 0/2"]
    )
    assert_accessible(page)

    assert application.status == ApplicationStatus.SUBMITTED
    assert Application.objects.count() == 1
    referees = list(Referee.objects.order_by("position"))
    assert [(r.application_id, r.name, r.email, r.replaced_at) for r in referees] == [
        (application.pk, REFEREES[0]["name"], REFEREES[0]["email"], None),
        (application.pk, REFEREES[1]["name"], REFEREES[1]["email"], None),
    ]
    assert all(r.requested_at is not None for r in referees)
    assert outbox("application_received") == [APPLICANT["email"]]
    assert outbox("reference_request") == sorted(r["email"] for r in REFEREES)
    assert outbox("email_confirmation_signup") == [APPLICANT["email"]]

    # 3. Each referee answers from the link in their email, in a browser of their own.
    for received, (referee, answers) in enumerate(zip(REFEREES, REFERENCES, strict=True), 1):
        email = OutboxEmail.objects.get(kind="reference_request", to=referee["email"])
        link = link_in_email(email, r"/reference/[^/\s]+/", live_server)
        give_reference(browser, live_server, link, referee, answers, first=received == 1)
        page.reload()
        expect(status.locator("dd")).to_contain_text(
            [f"Submitted on {submitted_on}", f"References received: {received}/2"]
        )
        assert_accessible(page)

    assert Reference.objects.count() == 2
    assert sorted(
        Reference.objects.values_list("referee__email", "declined", "known_for", "recommendation")
    ) == [
        (REFEREES[0]["email"], False, REFERENCES[0]["known_for"], Recommendation.YES),
        (REFEREES[1]["email"], False, REFERENCES[1]["known_for"], Recommendation.WITH_RESERVATIONS),
    ]

    # 4. A reviewer reads both references in the admin.
    read_references_in_the_admin(browser, live_server, application)

    # Exactly one of each email, however many pages were visited.
    assert outbox("application_received") == [APPLICANT["email"]]
    assert outbox("reference_request") == sorted(r["email"] for r in REFEREES)
    assert Application.objects.get().status == ApplicationStatus.SUBMITTED
    assert Reference.objects.count() == 2
