"""Materials: files are stored privately and read through a view that checks who asks; links
and files go on every cohort's copy of a session."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sessions.models import Material, Session
from tests.sessions.conftest import signed_in
from tests.sessions.reminder_factories import WeekendSessionFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_an_uploaded_file_reaches_every_cohorts_copy_and_only_their_people(
    london, leeds, londoner, leeds_participant, admin_user
):
    in_london = WeekendSessionFactory(cohort=london, position=1)
    in_leeds = WeekendSessionFactory(cohort=leeds, position=1)

    response = signed_in(admin_user).post(
        f"/staff/schedule/sessions/{in_london.pk}/materials/",
        {
            "material-title": "Reading list",
            "material-file": SimpleUploadedFile("reading.txt", b"Read this."),
        },
    )

    assert response.status_code == 302
    london_copy = Material.objects.get(session=in_london)
    leeds_copy = Material.objects.get(session=in_leeds)
    assert london_copy.file.name == leeds_copy.file.name
    with pytest.raises(ValueError):
        london_copy.file.url  # noqa: B018 - no public URL exists for it
    download = signed_in(londoner.person).get(f"/schedule/materials/{london_copy.pk}/")
    assert b"".join(download.streaming_content) == b"Read this."
    assert (
        signed_in(leeds_participant.person)
        .get(f"/schedule/materials/{london_copy.pk}/")
        .status_code
        == 404
    )
    assert (
        signed_in(leeds_participant.person).get(f"/schedule/materials/{leeds_copy.pk}/").status_code
        == 200
    )


def test_a_material_is_a_file_or_a_link_not_neither(london, admin_user):
    session = WeekendSessionFactory(cohort=london)

    response = signed_in(admin_user).post(
        f"/staff/schedule/sessions/{session.pk}/materials/", {"material-title": "Nothing"}
    )

    assert response.status_code == 400
    assert "Upload a file or give a link (one of the two)." in response.content.decode()
    assert not Material.objects.exists()
    assert Session.objects.count() == 1
