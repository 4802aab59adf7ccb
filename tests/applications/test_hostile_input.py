"""Whatever a person types into any field of the application form or the reference form, the
page answers with the form again or the next step: never a server error, and a refused step
saves nothing."""

import pytest

from applications.models import Application
from tests.applications.conftest import STEP_DATA

HOSTILE = {
    "nul": "Sam\x00Okafor",
    "huge": "x" * 100_000,
    "markup": '<script>alert("x")</script>',
    "sql": "'; DROP TABLE applications_application; --",
    "emoji": "✊🏽 solidarity",
    "blank": "   ",
}
FIELDS = [(slug, name) for slug, data in STEP_DATA.items() for name in data]


@pytest.mark.parametrize(("slug", "name"), FIELDS, ids=[f"{s}-{n}" for s, n in FIELDS])
def test_no_step_answers_a_server_error_to_anything_typed(signed_in, open_edition, slug, name):
    for label, value in HOSTILE.items():
        data = {**STEP_DATA[slug], name: value}

        response = signed_in.post(f"/apply/{slug}/", data)

        assert response.status_code in (302, 400), (label, response.status_code)
        if response.status_code == 400:
            assert "Please correct" in response.content.decode(), label
    # Every value the form refused saved nothing; a draft exists only if one was accepted.
    for application in Application.objects.all():
        for value in (HOSTILE["nul"], HOSTILE["huge"]):
            assert value not in str(application.__dict__.values())


def test_a_list_where_one_value_is_expected_is_refused_calmly(signed_in, open_edition):
    data = {**STEP_DATA["about"], "region": ["yorkshire", "london"], "first_name": ["A", "B"]}

    response = signed_in.post("/apply/about/", data)

    assert response.status_code in (302, 400)


def test_the_reference_form_never_answers_a_server_error(referee_client, submitted):
    from tests.applications.test_references import reference_link

    link = reference_link("reference_request", "ref.one@example.org")
    page = referee_client.get(link).content.decode()
    assert "recommendation" in page
    for value in HOSTILE.values():
        response = referee_client.post(
            link,
            {
                "relationship": value,
                "known_for": value,
                "commitment": value,
                "examples": value,
                "recommendation": value,
            },
        )
        assert response.status_code in (200, 302, 400)
