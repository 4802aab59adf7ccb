"""The signed-in person and their roles come from one query, and a role taken away applies on
the very next request."""

from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from panitch.auth import user_with_roles
from tests.factories import UserFactory


def test_the_user_and_every_role_come_from_one_query(db):
    person = UserFactory(role="Reviewer")
    person.groups.add(Group.objects.get_or_create(name="Facilitator")[0])

    with CaptureQueriesContext(connection) as queries:
        loaded = user_with_roles(person.pk)
        roles = loaded.role_labels

    assert roles == ["Facilitator", "Reviewer"]
    assert len(queries) == 1


def test_someone_with_no_role_has_none(db):
    person = UserFactory()
    with CaptureQueriesContext(connection) as queries:
        assert user_with_roles(person.pk).role_names == set()
    assert len(queries) == 1
    assert user_with_roles(0) is None


def test_a_role_taken_away_applies_on_the_next_request(client, db):
    reviewer = UserFactory(role="Reviewer", email="rev@example.org")
    client.force_login(reviewer)
    assert "Signed in as rev@example.org · Reviewer" in client.get("/").content.decode()
    assert client.get("/staff/reviews/").status_code == 200

    reviewer.groups.clear()

    page = client.get("/").content.decode()
    assert "Signed in as rev@example.org</p>" in page
    assert "Reviews</a>" not in page
    assert client.get("/staff/reviews/").status_code in (302, 403)


def test_an_inactive_person_is_signed_out(client, db):
    person = UserFactory(email="gone@example.org")
    client.force_login(person)
    person.is_active = False
    person.save(update_fields=["is_active"])

    assert "Signed in as" not in client.get("/").content.decode()
