import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from panitch.models import OutboxEmail
from tests.factories import EditionFactory, UserFactory

LONDON = ZoneInfo("Europe/London")


def test_home_shows_the_demo_edition_with_its_dates(client, demo):
    page = client.get("/").content.decode()

    assert "<h1>Leo Panitch Leadership Programme <span" in page
    assert "Applications for 2021 have closed." in page
    assert "18:00, Wednesday 28 April 2021" in page
    assert "Wednesday 2 June 2021" in page
    assert "In-person weekend A, London</dt>" in page
    assert "Saturday 7 August to Sunday 8 August 2021" in page
    assert "In-person weekend B, Leeds</dt>" in page
    assert "Saturday 20 November 2021" in page
    assert "10:00–18:00 each day" in page


def test_home_invites_applications_while_an_edition_is_open(client, db):
    now = dt.datetime.now(tz=LONDON)
    EditionFactory(
        year=now.year + 1,
        applications_open_at=now - dt.timedelta(days=1),
        applications_close_at=now + dt.timedelta(days=10),
        info_session_at=None,
        reference_deadline=now + dt.timedelta(days=15),
        decisions_release_at=now + dt.timedelta(days=30),
        offer_response_deadline=now + dt.timedelta(days=40),
        weekend_a_starts_on=(now + dt.timedelta(days=60)).date(),
        weekend_a_ends_on=(now + dt.timedelta(days=61)).date(),
        weekend_b_starts_on=(now + dt.timedelta(days=74)).date(),
        weekend_b_ends_on=(now + dt.timedelta(days=75)).date(),
        closing_day=(now + dt.timedelta(days=150)).date(),
    )

    page = client.get("/").content.decode()

    assert "Applications are open until" in page
    assert 'href="/accounts/signup/?next=/apply/">Apply now</a>' in page


def test_home_without_any_edition(client, db):
    assert "The next edition of the programme has not been announced yet." in (
        client.get("/").content.decode()
    )


def test_markup_in_an_edition_is_shown_as_text(client, db):
    EditionFactory(year=2031, weekend_a_city="<script>alert(1)</script>")

    page = client.get("/").content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@override_settings(DEBUG=False)
def test_unknown_page_is_a_friendly_404(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()


def test_health_reports_database_and_broker(client, db):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_health_answers_503_when_the_broker_is_down(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "broker": "error"}


@pytest.mark.parametrize(
    ("role", "nav"),
    [
        (None, ["Home", "Your application", "Your account"]),
        ("Facilitator", ["Home", "Your application", "Your rosters", "Schedule", "Your account"]),
        ("Reviewer", ["Home", "Reviews", "Staff admin", "Your account"]),
        (
            "Programme admin",
            [
                "Home",
                "Selection",
                "Cohorts",
                "Curriculum",
                "Staff admin",
                "Editions",
                "Outbox",
                "Your account",
            ],
        ),
    ],
)
def test_navigation_depends_on_the_role(client, db, role, nav):
    client.force_login(UserFactory(role=role))

    response = client.get("/")

    assert [item.label for item in response.context["navigation"]] == nav


def test_outbox_admin_query_count_does_not_grow_with_rows(client, db):
    client.force_login(UserFactory(role="Programme admin"))

    def make(n, start):
        OutboxEmail.objects.bulk_create(
            OutboxEmail(
                kind="outbox_test",
                to=f"p{i}@example.org",
                subject="Hi",
                body_text="Hi",
                idempotency_key=f"k{i}",
            )
            for i in range(start, start + n)
        )

    make(2, 0)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/admin/panitch/outboxemail/").status_code == 200
    make(60, 2)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/admin/panitch/outboxemail/")
    assert "62 outbox emails" in page.content.decode()
    assert len(many) == len(few)


def test_send_test_email_from_the_admin_queues_one_to_me(
    client, db, django_capture_on_commit_callbacks, celery_eager
):
    admin = UserFactory(role="Programme admin", email="rachel@example.org", first_name="Rachel")
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/panitch/outboxemail/send-test/")

    assert response["Location"] == "/admin/panitch/outboxemail/"
    email = OutboxEmail.objects.get()
    assert (email.to, email.kind, email.status) == ("rachel@example.org", "outbox_test", "sent")
    assert email.body_text.startswith("Hello Rachel,")


def test_worked_out_urls_follow_the_script_prefix_and_urlconf():
    from django.urls import clear_script_prefix, set_script_prefix

    from panitch.navigation import url

    assert url("home") == "/"
    set_script_prefix("/programme/")
    try:
        assert url("home") == "/programme/"
    finally:
        clear_script_prefix()
    with override_settings(ROOT_URLCONF="bench.urls"):
        assert url("home") == "/"
    assert url("account_login") == "/accounts/login/"
