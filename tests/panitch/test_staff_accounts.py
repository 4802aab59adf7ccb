"""Only superusers manage staff accounts, roles and passwords (issue 9: privilege escalation)."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from panitch.models import User
from tests.factories import UserFactory

USERS = "/admin/panitch/user/"


@pytest.fixture
def accounts(db):
    return {
        "superuser": User.objects.create_superuser(email="root@example.org", password="x" * 20),
        "other admin": UserFactory(email="kim.admin@example.org", role="Programme admin"),
        "reviewer": UserFactory(email="rosa.reviewer@example.org", role="Reviewer"),
        "applicant": UserFactory(email="amina@example.org", first_name="Amina"),
    }


@pytest.fixture
def programme_admin(client, db):
    client.force_login(UserFactory(email="pat.admin@example.org", role="Programme admin"))
    return client


def change_form(user, **changes) -> dict:
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }
    return {**data, **changes}


@pytest.mark.parametrize("who", ["superuser", "other admin", "reviewer", "applicant"])
def test_a_programme_admin_cannot_set_anyones_password(programme_admin, accounts, who):
    user = accounts[who]
    before = user.password

    page = programme_admin.get(f"{USERS}{user.pk}/password/")
    posted = programme_admin.post(
        f"{USERS}{user.pk}/password/",
        {"password1": "taken-over-123", "password2": "taken-over-123", "usable_password": "true"},
    )

    assert (page.status_code, posted.status_code) == (403, 403)
    user.refresh_from_db()
    assert user.password == before
    assert not user.check_password("taken-over-123")


@pytest.mark.parametrize("who", ["superuser", "other admin", "reviewer"])
def test_a_programme_admin_cannot_open_or_change_a_staff_account(programme_admin, accounts, who):
    user = accounts[who]

    page = programme_admin.get(f"{USERS}{user.pk}/change/")
    posted = programme_admin.post(
        f"{USERS}{user.pk}/change/", change_form(user, email="attacker@example.org")
    )

    # The admin answers "does not exist" for objects outside the queryset: a redirect home.
    assert (page.status_code, posted.status_code) == (302, 302)
    user.refresh_from_db()
    assert user.email != "attacker@example.org"
    listed = programme_admin.get(USERS).context["cl"].result_list
    assert user not in listed


def test_a_programme_admin_cannot_make_an_applicant_staff_superuser_or_give_roles(
    programme_admin, accounts
):
    applicant = accounts["applicant"]
    admins = Group.objects.get(name="Programme admin")

    response = programme_admin.post(
        f"{USERS}{applicant.pk}/change/",
        change_form(
            applicant,
            first_name="Amina J.",
            is_staff="on",
            is_superuser="on",
            groups=[admins.pk],
        ),
    )

    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.first_name == "Amina J."  # what they may change, changed
    assert (applicant.is_staff, applicant.is_superuser, list(applicant.groups.all())) == (
        False,
        False,
        [],
    )


def test_the_applicant_page_shows_a_programme_admin_no_password_or_role_fields(
    programme_admin, accounts
):
    page = programme_admin.get(f"{USERS}{accounts['applicant'].pk}/change/")

    fields = list(page.context["adminform"].form.fields)
    assert fields == ["email", "first_name", "last_name", "is_active"]
    assert "/password/" not in page.content.decode()


def test_a_programme_admin_cannot_add_accounts(programme_admin, db):
    response = programme_admin.post(
        f"{USERS}add/",
        {
            "email": "new.staff@example.org",
            "password1": "pw-123456789",
            "password2": "pw-123456789",
        },
    )

    assert response.status_code == 403
    assert not User.objects.filter(email="new.staff@example.org").exists()


def test_a_programme_admin_cannot_filter_users_by_password_or_role(programme_admin, accounts):
    for query in ("?password__startswith=pbkdf2", "?groups__id__exact=1"):
        assert programme_admin.get(f"{USERS}{query}").status_code == 400


def test_a_superuser_still_manages_staff_roles_and_passwords(client, accounts):
    client.force_login(accounts["superuser"])
    reviewer = accounts["reviewer"]
    admins = Group.objects.get(name="Programme admin")

    client.post(
        f"{USERS}{reviewer.pk}/password/",
        {"password1": "a-new-one-456", "password2": "a-new-one-456", "usable_password": "true"},
    )
    client.post(
        f"{USERS}{reviewer.pk}/change/",
        change_form(reviewer, is_staff="on", groups=[admins.pk]),
    )

    reviewer.refresh_from_db()
    assert reviewer.check_password("a-new-one-456")
    assert list(reviewer.groups.values_list("name", flat=True)) == ["Programme admin"]


def test_the_user_list_query_count_does_not_grow_with_accounts(programme_admin, accounts):
    with CaptureQueriesContext(connection) as few:
        programme_admin.get(USERS)
    UserFactory.create_batch(20)
    with CaptureQueriesContext(connection) as many:
        response = programme_admin.get(USERS)

    assert response.context["cl"].result_count == 21  # applicants only: no staff account
    assert len(many) == len(few)
