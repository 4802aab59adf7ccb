"""The staff admin for applications: filters, search, referees, exports, query counts."""

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.admin import ApplicationResource
from applications.models import Reference
from tests.applications.factories import (
    ApplicationFactory,
    RefereeFactory,
    ReferenceFactory,
    application_with_referees,
)
from tests.factories import EditionFactory, UserFactory

CHANGELIST = "/admin/applications/application/"
EXPORT = "/admin/applications/application/export/"


@pytest.fixture
def programme_admin(client, db):
    client.force_login(UserFactory(role="Programme admin"))
    return client


@pytest.fixture
def four_applications(open_edition):
    """Applications that differ in every filtered property."""

    def person(first, last, email):
        return UserFactory(first_name=first, last_name=last, email=email)

    return {
        "amina": application_with_referees(
            edition=open_edition,
            applicant=person("Amina", "Begum", "amina@example.org"),
            region="london",
            weekend_choice="a",
            project_title="Tower Hamlets renters' assembly",
            references=2,
        ),
        "bryn": application_with_referees(
            edition=open_edition,
            applicant=person("Bryn", "Davies", "bryn@example.org"),
            region="wales",
            weekend_choice="both",
            project_title="Cardiff CLP political education",
            references=1,
        ),
        "cara": application_with_referees(
            edition=open_edition,
            applicant=person("Cara", "Doyle", "cara.doyle@example.net"),
            region="london",
            weekend_choice="b",
            project_title="Lewisham local group relaunch",
            references=0,
        ),
        "dev": ApplicationFactory(
            edition=open_edition,
            applicant=person("Dev", "Patel", "dev@example.org"),
            status="draft",
            submitted_at=None,
            region="yorkshire",
            weekend_choice="a",
            project_title="Sheffield climate campaign",
        ),
    }


def listed(client, query=""):
    response = client.get(f"{CHANGELIST}{query}")
    assert response.status_code == 200
    return sorted(a.applicant.first_name for a in response.context["cl"].result_list)


def test_the_list_shows_references_received(programme_admin, four_applications):
    page = programme_admin.get(CHANGELIST).content.decode()

    assert listed(programme_admin) == ["Amina", "Bryn", "Cara", "Dev"]
    amina = four_applications["amina"]
    assert f">{amina.reference_number}</a>" in page
    assert '<td class="field-references">2/2</td>' in page
    assert '<td class="field-references">1/2</td>' in page


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("?status__exact=submitted", ["Amina", "Bryn", "Cara"]),
        ("?status__exact=draft", ["Dev"]),
        ("?region__exact=london", ["Amina", "Cara"]),
        ("?weekend_choice__exact=a", ["Amina", "Dev"]),
        ("?weekend_choice__exact=both", ["Bryn"]),
        ("?references=complete", ["Amina"]),
        ("?references=incomplete", ["Bryn", "Cara", "Dev"]),
        ("?references=incomplete&status__exact=submitted&region__exact=london", ["Cara"]),
    ],
)
def test_list_filters(programme_admin, four_applications, query, names):
    assert listed(programme_admin, query) == names


def test_a_replaced_referees_reference_does_not_complete_the_references(
    programme_admin, four_applications
):
    amina = four_applications["amina"]
    amina.referees.filter(position=2).update(replaced_at=timezone.now())
    RefereeFactory(application=amina, position=2)

    assert listed(programme_admin, "?references=complete") == []
    assert "Amina" in listed(programme_admin, "?references=incomplete")


@pytest.mark.parametrize(
    ("q", "names"),
    [
        ("amina", ["Amina"]),
        ("Davies", ["Bryn"]),
        ("cara.doyle@example.net", ["Cara"]),
        ("example.org", ["Amina", "Bryn", "Dev"]),
        ("climate campaign", ["Dev"]),
        ("renters", ["Amina"]),
    ],
)
def test_search_by_name_email_and_project_title(programme_admin, four_applications, q, names):
    assert listed(programme_admin, f"?q={q}") == names


def test_the_change_page_shows_both_referees_and_their_references(programme_admin, open_edition):
    application = ApplicationFactory(edition=open_edition)
    first = RefereeFactory(application=application, position=1, name="Ada Referee")
    second = RefereeFactory(application=application, position=2, name="Ben Referee")
    ReferenceFactory(
        referee=first,
        commitment="Ada has seen them organise every week since 2019.",
        examples="The bus depot solidarity picket.",
        recommendation="with-reservations",
    )
    declined = ReferenceFactory(referee=second, declined=True, commitment="", examples="")

    page = programme_admin.get(f"{CHANGELIST}{application.pk}/change/").content.decode()

    assert "Ada Referee" in page
    assert first.email in page
    assert "Ben Referee" in page
    assert second.email in page
    assert "Recommendation: Yes, with reservations." in page
    assert "Commitment: Ada has seen them organise every week since 2019." in page
    assert "Examples: The bus depot solidarity picket." in page
    declined_on = timezone.localtime(declined.submitted_at)
    assert f"Declined on {declined_on:%-d %B %Y}" in page


def test_the_change_page_says_when_a_reference_has_not_arrived(programme_admin, open_edition):
    application = application_with_referees(edition=open_edition, references=0)

    page = programme_admin.get(f"{CHANGELIST}{application.pk}/change/").content.decode()

    assert page.count("Not received yet") == 2


# Equality monitoring stays out of everything reviewers see


def test_equality_answers_never_appear_in_the_admin_review_page_or_export(
    client, signed_in, open_edition, fill_in, applicant
):
    fill_in(equality={"gender": "Genderfluid", "ethnicity": "Irish Traveller"})
    signed_in.post("/apply/review/")
    application = applicant.applications.get()
    review = signed_in.get("/apply/review/").content.decode()
    client.force_login(UserFactory(role="Programme admin"))

    change = client.get(f"{CHANGELIST}{application.pk}/change/").content.decode()
    export = client.post(EXPORT, export_form(fmt="0")).content.decode()

    assert "Harehills" in review + change + export
    for answer in ("Genderfluid", "Irish Traveller"):
        assert answer not in review
        assert answer not in change
        assert answer not in export


# Exports


def export_form(*, fmt: str) -> dict:
    """The export view's form, as the admin page posts it: every column ticked."""
    fields = ApplicationResource().get_export_order()
    return {
        "resource": "0",
        "format": fmt,
        **{f"applicationresource_{name}": "on" for name in fields},
    }


HEADER = [
    "reference",
    "edition",
    "name",
    "email",
    "status",
    "submitted_at",
    "pronouns",
    "phone",
    "postcode",
    "region",
    "is_member",
    "membership_reference",
    "local_group",
    "clp",
    "trade_union",
    "organising_kinds",
    "experience",
    "project_title",
    "project_kind",
    "project_description",
    "project_involves",
    "project_success",
    "weekend_choice",
    "available_closing_day",
    "available_online_sessions",
    "has_device",
    "needs_travel_paid",
    "journey_time_a",
    "journey_time_b",
    "may_need_accommodation",
    "access_requirements",
    "references received",
]


def test_the_export_page_offers_csv_and_xlsx(programme_admin, four_applications):
    page = programme_admin.get(EXPORT).content.decode()

    assert '<option value="0">csv</option>' in page
    assert '<option value="1">xlsx</option>' in page


def test_export_csv_of_submitted_applications(programme_admin, four_applications):
    response = programme_admin.post(f"{EXPORT}?status__exact=submitted", export_form(fmt="0"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == HEADER
    by_name = {row["name"]: row for row in rows}
    assert sorted(by_name) == ["Amina Begum", "Bryn Davies", "Cara Doyle"]
    amina = four_applications["amina"]
    assert (
        by_name["Amina Begum"]["reference"],
        by_name["Amina Begum"]["email"],
        by_name["Amina Begum"]["status"],
        by_name["Amina Begum"]["project_title"],
        by_name["Amina Begum"]["references received"],
    ) == (
        amina.reference_number,
        "amina@example.org",
        "submitted",
        "Tower Hamlets renters' assembly",
        "2",
    )
    assert [by_name[n]["references received"] for n in ("Bryn Davies", "Cara Doyle")] == ["1", "0"]


def test_export_xlsx_of_submitted_applications(programme_admin, four_applications):
    response = programme_admin.post(f"{EXPORT}?status__exact=submitted", export_form(fmt="1"))

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    references = sorted(row[0] for row in rows[1:])
    assert references == sorted(
        four_applications[name].reference_number for name in ("amina", "bryn", "cara")
    )


def test_the_export_follows_the_search(programme_admin, four_applications):
    response = programme_admin.post(f"{EXPORT}?q=Lewisham", export_form(fmt="0"))

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["reference"] for row in rows] == [four_applications["cara"].reference_number]


# Query counts


def test_the_changelist_query_count_does_not_grow_with_applications(programme_admin, open_edition):
    def make(n):
        for _ in range(n):
            application_with_referees(edition=open_edition, references=2)

    make(2)
    with CaptureQueriesContext(connection) as few:
        assert programme_admin.get(CHANGELIST).status_code == 200
    make(28)
    with CaptureQueriesContext(connection) as many:
        page = programme_admin.get(CHANGELIST).content.decode()

    assert "30 applications" in page
    assert Reference.objects.count() == 60
    assert len(many) == len(few)


def test_the_dashboard_query_count_does_not_grow_with_editions(client, db):
    person = UserFactory()
    client.force_login(person)

    def apply_to(n):
        for _ in range(n):
            application_with_referees(edition=EditionFactory(), applicant=person, references=1)

    apply_to(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/application/").status_code == 200
    apply_to(5)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/application/").content.decode()

    assert page.count("References received: 1/2") == 7
    assert len(many) == len(few)
