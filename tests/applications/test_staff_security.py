"""Issue 9, the admin side: reviewers filter and see only what reviewing needs, exports cannot
run formulas, and the outcome wording reaches nothing beyond its placeholders."""

import csv
import io

import openpyxl
import pytest

from applications import decisions
from applications.admin import ApplicationResource
from applications.models import Application, OutcomeEmail, ReviewAssignment
from tests.applications.factories import ApplicationFactory, application_with_referees
from tests.factories import UserFactory

CHANGELIST = "/admin/applications/application/"
EXPORT = f"{CHANGELIST}export/"


@pytest.fixture
def reviewer(db):
    return UserFactory(email="rosa.reviewer@example.org", role="Reviewer")


@pytest.fixture
def programme_admin_user(db):
    return UserFactory(email="pat.admin@example.org", first_name="Pat", role="Programme admin")


@pytest.fixture
def on_my_list(open_edition, reviewer, programme_admin_user):
    """Two applications on the reviewer's list (one decided, one not) and one elsewhere."""
    decided = application_with_referees(
        edition=open_edition,
        references=2,
        project_title="Decided project",
        access_requirements="A step-free venue, and I use a hearing loop.",
        needs_travel_paid=True,
    )
    undecided = application_with_referees(edition=open_edition, project_title="Open project")
    elsewhere = application_with_referees(edition=open_edition, project_title="Elsewhere")
    for application in (decided, undecided):
        ReviewAssignment.objects.create(application=application, reviewer=reviewer)
    decisions.decision_record(application=decided, decision="accepted", by=programme_admin_user)
    return {"decided": decided, "undecided": undecided, "elsewhere": elsewhere}


# Reviewers' filters: blocked by the resolved field path, with an allow-list


@pytest.mark.parametrize(
    "query",
    [
        "?applicant_id={applicant}",
        "?applicant__id__exact={applicant}",
        "?applicant={applicant}",
        "?decided_by_id__isnull=False",
        "?decided_by__isnull=False",
        "?decision_changes__isnull=False",
        "?decision_changes__decision=accepted",
        "?decision__exact=accepted",
        "?decision=accepted",
        "?phone__startswith=077",
        "?access_requirements__icontains=step",
        "?needs_travel_paid__exact=1",
        "?reviews__isnull=False",
        "?edition__contact_email__startswith=p",
    ],
)
def test_a_reviewer_cannot_filter_on_what_they_are_not_shown(client, reviewer, on_my_list, query):
    client.force_login(reviewer)

    response = client.get(CHANGELIST + query.format(applicant=on_my_list["decided"].applicant_id))

    # Refused outright (the admin's "bad lookup" answer), so nothing is revealed by which
    # applications a filter would keep.
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("", ["Decided project", "Open project"]),
        ("?status__exact=submitted", ["Decided project", "Open project"]),
        ("?references=complete", ["Decided project"]),
        ("?region__exact=north-west", ["Decided project", "Open project"]),
        ("?weekend_choice__exact=both", ["Decided project", "Open project"]),
        ("?edition__id__exact={edition}", ["Decided project", "Open project"]),
        ("?q=Elsewhere", []),
    ],
)
def test_a_reviewer_filters_their_own_list_on_what_reviewing_uses(
    client, reviewer, on_my_list, query, titles
):
    client.force_login(reviewer)

    response = client.get(CHANGELIST + query.format(edition=on_my_list["decided"].edition_id))

    assert response.status_code == 200
    assert sorted(a.project_title for a in response.context["cl"].result_list) == titles


def test_a_programme_admin_still_filters_on_decisions(client, programme_admin_user, on_my_list):
    client.force_login(programme_admin_user)

    response = client.get(f"{CHANGELIST}?decision=accepted")

    assert [a.project_title for a in response.context["cl"].result_list] == ["Decided project"]
    assert client.get(f"{CHANGELIST}?applicant__password__startswith=p").status_code == 400


# Reviewers see only what reviewing needs


def test_a_reviewer_sees_no_travel_access_or_consent_in_the_admin(client, reviewer, on_my_list):
    client.force_login(reviewer)
    url = f"{CHANGELIST}{on_my_list['decided'].pk}/change/"

    response = client.get(url)

    page = response.content.decode()
    shown = {
        field for fieldset in response.context["adminform"] for line in fieldset for field in line
    }
    assert "step-free" not in page
    assert "Travel and access" not in page
    assert "Consent" not in page
    assert "Journey" not in page
    fields = [
        f for _, options in response.context["adminform"].fieldsets for f in options["fields"]
    ]
    assert not {
        "needs_travel_paid",
        "journey_times",
        "may_need_accommodation",
        "access_requirements",
        "consent_special_category",
        "privacy_notice_version",
        "consented_at",
        "decision",
        "decided_by",
    } & set(fields)
    assert shown  # the page still shows the application itself
    assert "Decided project" in page


def test_a_reviewer_cannot_export(client, reviewer, on_my_list):
    client.force_login(reviewer)

    assert client.get(EXPORT).status_code == 403


def test_the_staff_review_page_leaves_out_travel_and_access(client, reviewer, on_my_list):
    client.force_login(reviewer)

    page = client.get(f"/staff/reviews/{on_my_list['decided'].pk}/").content.decode()

    assert "Decided project" in page
    assert "step-free" not in page
    assert "Accepted" not in page


def test_the_programme_admin_sees_travel_and_access_with_the_venues_cities(
    client, programme_admin_user, on_my_list
):
    client.force_login(programme_admin_user)

    page = client.get(f"{CHANGELIST}{on_my_list['decided'].pk}/change/").content.decode()

    assert "A step-free venue, and I use a hearing loop." in page
    assert "to London: Under 1 hour; to Leeds: 1 to 2½ hours" in page
    assert '<div class="readonly">Constituency Labour Party (CLP)</div>' in page
    assert '["clp"]' not in page
    # A page to read: nothing on it can be saved.
    assert 'name="_save"' not in page
    assert 'name="_continue"' not in page


# Exports: every cell a person typed is neutralised


DANGEROUS = ["=", "+", "-", "@", "\t", "\r"]


@pytest.fixture
def hostile(open_edition):
    """One application per dangerous first character, in the name and in free text."""
    made = []
    for start in DANGEROUS:
        applicant = UserFactory(
            first_name=f'{start}HYPERLINK("http://evil.example")', last_name="X"
        )
        made.append(
            ApplicationFactory(
                edition=open_edition,
                applicant=applicant,
                project_title=f"{start}1+1",
                experience=f"{start}cmd|' /C calc'!A0",
            )
        )
    return made


def export_form(fmt):
    fields = ApplicationResource().get_export_order()
    return {
        "resource": "0",
        "format": fmt,
        **{f"applicationresource_{name}": "on" for name in fields},
    }


def test_csv_export_neutralises_every_dangerous_first_character(
    client, programme_admin_user, hostile
):
    client.force_login(programme_admin_user)

    response = client.post(EXPORT, export_form("0"))

    rows = list(csv.DictReader(io.StringIO(response.content.decode(), newline="")))
    by_title = {row["project_title"]: row for row in rows}
    assert sorted(by_title) == sorted(f"'{start}1+1" for start in DANGEROUS)
    for start in DANGEROUS:
        row = by_title[f"'{start}1+1"]
        # The name as the account shows it (a leading tab or CR is trimmed there).
        name = f'{start}HYPERLINK("http://evil.example") X'.strip()
        assert row["name"] == (f"'{name}" if name[0] in DANGEROUS else name)
        assert row["experience"] == f"'{start}cmd|' /C calc'!A0"


def test_xlsx_export_neutralises_every_dangerous_first_character(
    client, programme_admin_user, hostile
):
    client.force_login(programme_admin_user)

    response = client.post(EXPORT, export_form("1"))

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    title, name, experience = (header.index(c) for c in ("project_title", "name", "experience"))
    got = sorted((row[title], row[name], row[experience]) for row in rows[1:])
    names = [f'{s}HYPERLINK("http://evil.example") X'.strip() for s in DANGEROUS]
    expected = [
        (f"'{s}1+1", f"'{name}" if name[0] in DANGEROUS else name, f"'{s}cmd|' /C calc'!A0")
        for s, name in zip(DANGEROUS, names, strict=True)
    ]
    # XML stores a carriage return as a line feed; either way it follows the apostrophe.
    assert got == sorted(tuple(v.replace("\r", "\n") for v in row) for row in expected)
    # No cell is stored as a formula.
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_exported_organising_kinds_are_labels(client, programme_admin_user, on_my_list):
    client.force_login(programme_admin_user)

    response = client.post(EXPORT, export_form("0"))

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {row["organising_kinds"] for row in rows} == {"Constituency Labour Party (CLP)"}


# The outcome wording: placeholders only


@pytest.mark.parametrize(
    ("wording", "message"),
    [
        (
            "Hello {{ applicant.password }}",
            "“{{ applicant.password }}” is not a placeholder: write placeholders as {{ name }}, "
            "with no dots, filters or tags.",
        ),
        (
            "Hello {{ application }}",
            "“{{ application }}” is not a placeholder. You can use: {{ name }}, "
            "{{ reference_number }}, {{ edition_name }}, {{ offer_url }}, {{ offer_deadline }}, "
            "{{ programme_name }}, {{ organisation_name }}, {{ contact_name }}, "
            "{{ contact_email }}.",
        ),
        (
            "{{ name|upper }}",
            "“{{ name|upper }}” is not a placeholder: write placeholders as {{ name }}, with no "
            "dots, filters or tags.",
        ),
        (
            "{% debug %}",
            "“{% debug %}” is not a placeholder: write placeholders as {{ name }}, with no dots, "
            "filters or tags.",
        ),
        (
            "{% load log %}{% get_admin_log 10 as log %}",
            "“{% load log %}” is not a placeholder: write placeholders as {{ name }}, with no "
            "dots, filters or tags.",
        ),
    ],
)
def test_the_admin_refuses_wording_beyond_the_placeholders(
    client, programme_admin_user, wording, message
):
    client.force_login(programme_admin_user)

    response = client.post(
        "/admin/applications/outcomeemail/add/",
        {"decision": "accepted", "subject": "Your place", "body_text": wording, "body_html": ""},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["body_text"][0] == message
    assert OutcomeEmail.objects.count() == 0


def test_stored_wording_cannot_reach_any_attribute_beyond_its_placeholders(
    open_edition, programme_admin_user
):
    """Even wording that got past the form (an old row, the shell) prints no model data."""
    application = application_with_referees(edition=open_edition, references=2)
    application.applicant.first_name = "Amina"
    application.applicant.save(update_fields=["first_name"])
    referee = application.referees.first()
    decisions.decision_record(application=application, decision="accepted", by=programme_admin_user)
    wording = OutcomeEmail.objects.create(
        decision="accepted",
        subject="{{ name }} {{ applicant.password }}",
        body_text=(
            "{{ name }} {{ application.applicant.password }} {{ edition.contact_email }} "
            "{% for r in application.referees.all %}{{ r.token }}{% endfor %} {% debug %} "
            "{{ settings.SECRET_KEY }} {{ reference_number }}"
        ),
        body_html="<p>{{ name }} {{ application.referees.first.token }}</p>",
    )

    rendered = decisions.outcome_email_for(
        Application.objects.select_related("applicant", "edition").get(pk=application.pk),
        wording=wording,
    )

    everything = rendered["subject"] + rendered["text"] + rendered["html"]
    assert application.applicant.password not in everything
    assert referee.token not in everything
    assert open_edition.contact_email not in rendered["text"]
    assert rendered["subject"] == "Amina"
    assert rendered["text"] == f"Amina      {application.reference_number}\n"
    assert "<p>Amina </p>" in rendered["html"]


def test_placeholder_values_are_escaped_in_the_html_body(open_edition, programme_admin_user):
    applicant = UserFactory(first_name="<b>Sam</b>")
    application = application_with_referees(edition=open_edition, applicant=applicant)
    decisions.decision_record(application=application, decision="accepted", by=programme_admin_user)
    application.refresh_from_db()
    wording = OutcomeEmail(
        decision="accepted", subject="Hi", body_text="x", body_html="<p>{{ name }}</p>"
    )

    rendered = decisions.outcome_email_for(application, wording=wording)

    assert "<p>&lt;b&gt;Sam&lt;/b&gt;</p>" in rendered["html"]


@pytest.mark.parametrize("decision", ["accepted", "waitlisted", "unsuccessful"])
def test_the_shipped_wording_uses_only_placeholders(decision):
    wording = decisions.default_wording(decision)

    assert decisions.wording_errors(wording["subject"]) == []
    assert decisions.wording_errors(wording["body_text"]) == []
    assert "{{ edition_name }}" in wording["subject"] + wording["body_text"]


def test_stored_template_wording_is_converted_to_placeholders():
    from importlib import import_module

    migration = import_module("applications.migrations.0003_outcome_wording_placeholders")

    converted = migration.to_placeholders(
        "Dear {{ name }}, {{ edition.name }}: by {{ offer_deadline|date:'j F Y' }} write to "
        "{{ edition.contact_name }} ({{ edition.contact_email }}). {{ name|upper }}"
    )

    assert converted == (
        "Dear {{ name }}, {{ edition_name }}: by {{ offer_deadline }} write to "
        "{{ contact_name }} ({{ contact_email }}). {{ name|upper }}"
    )


@pytest.mark.parametrize("asked", ["%C2%B2", "abc", "-1", "99999999999999999999", "1.5"])
def test_the_preview_ignores_an_application_id_that_is_not_plain_digits(
    client, programme_admin_user, asked
):
    client.force_login(programme_admin_user)
    wording = OutcomeEmail.objects.create(decision="accepted", subject="Hi", body_text="x")

    response = client.get(
        f"/admin/applications/outcomeemail/{wording.pk}/preview/?application={asked}"
    )

    assert response.status_code == 200
