"""The facilitator's roster, sign-in sheet and exports: the same people and fields."""

import csv
import io

import pytest
from openpyxl import load_workbook

from cohorts.selectors import ROSTER_COLUMNS, RosterColumn
from tests.cohorts.factories import ParticipantFactory, confirmed_place
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster_cohort(cohort_a):
    ParticipantFactory(
        cohort=cohort_a,
        dietary_needs='=HYPERLINK("http://evil.example")',
        application=confirmed_place(
            cohort_a.edition,
            applicant=UserFactory(first_name="Zoe", last_name="Zed", email="zoe@example.org"),
            pronouns="she/her",
            phone="07700 900999",
            local_group="Hackney Momentum",
            clp="Hackney South",
            trade_union="Unite",
            project_title="Renters' nights",
            access_requirements="Step-free access",
        ),
    )
    return cohort_a


def test_roster_shows_each_participants_details(client, facilitator, roster_cohort):
    client.force_login(facilitator)
    text = client.get(f"/facilitate/{roster_cohort.pk}/").content.decode()
    assert "4 participants of 20 places." in text
    for expected in [
        "Zoe Zed",
        "(she/her)",
        "zoe@example.org",
        "07700 900999",
        "Hackney Momentum · Hackney South CLP · Unite",
        "Renters&#x27; nights",
        "Step-free access",
        "=HYPERLINK",
    ]:
        assert expected in text, expected


def test_sign_in_sheet_lists_every_participant_with_a_print_stylesheet(
    client, facilitator, roster_cohort
):
    client.force_login(facilitator)
    text = client.get(f"/facilitate/{roster_cohort.pk}/sign-in/").content.decode()
    assert "css/cohorts.css" in text
    assert text.count('<td class="signature"></td>') == 8  # 4 people, 2 days
    first, last = roster_cohort.weekend_starts_on, roster_cohort.weekend_ends_on
    assert f"{first:%A} 7 August" in text and f"{last:%A} 8 August" in text
    assert "zoe@example.org" not in text  # a sheet to sign, not a contact list


def test_csv_export_matches_the_page_and_neutralises_formulas(client, facilitator, roster_cohort):
    client.force_login(facilitator)
    response = client.get(f"/facilitate/{roster_cohort.pk}/roster.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Name", "Pronouns", "Email"]
    assert [row[0] for row in rows[1:]] == ["Amal Alpha", "Bea Alpha", "Cy Alpha", "Zoe Zed"]
    zoe = rows[-1]
    assert zoe == [
        "Zoe Zed",
        "she/her",
        "zoe@example.org",
        "07700 900999",
        "Hackney Momentum",
        "Hackney South",
        "Unite",
        "Renters' nights",
        "Step-free access",
        '\'=HYPERLINK("http://evil.example")',
    ]


def test_xlsx_export_holds_the_same_rows(client, facilitator, roster_cohort):
    client.force_login(facilitator)
    response = client.get(f"/facilitate/{roster_cohort.pk}/roster.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert [row[0] for row in values] == ["Name", "Amal Alpha", "Bea Alpha", "Cy Alpha", "Zoe Zed"]
    assert values[-1][-1] == '\'=HYPERLINK("http://evil.example")'


def test_unknown_export_format_is_404(client, facilitator, roster_cohort):
    client.force_login(facilitator)
    assert client.get(f"/facilitate/{roster_cohort.pk}/roster.pdf").status_code == 404


def test_other_apps_add_roster_columns_to_page_and_exports(client, facilitator, roster_cohort):
    def attendance(cohort, participants):
        return RosterColumn("Attendance", {p.pk: "3 of 4" for p in participants})

    ROSTER_COLUMNS.append(attendance)
    try:
        client.force_login(facilitator)
        assert "3 of 4" in client.get(f"/facilitate/{roster_cohort.pk}/").content.decode()
        rows = list(
            csv.reader(
                io.StringIO(
                    client.get(f"/facilitate/{roster_cohort.pk}/roster.csv").content.decode()
                )
            )
        )
        assert rows[0][-1] == "Attendance" and rows[1][-1] == "3 of 4"
    finally:
        ROSTER_COLUMNS.remove(attendance)
