import datetime as dt

from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from applications.models import Application, Referee, Reference, Review
from panitch.models import Edition, OutboxEmail, User


def test_demo_data_twice_is_the_same_data(db, capsys):
    call_command("load_demo_data")
    call_command("load_demo_data")

    edition = Edition.objects.get(year=2021)
    assert (edition.name, edition.weekend_a_city, edition.weekend_b_city) == (
        "2021",
        "London",
        "Leeds",
    )
    assert str(edition.closing_day) == "2021-11-20"
    # The demo logins; cohorts' demo people (demo.<year>.<n>@example.org) cannot sign in.
    logins = User.objects.exclude(email__startswith="demo.")
    assert sorted(logins.values_list("email", flat=True)) == [
        "admin@example.org",
        "applicant1@example.org",
        "applicant2@example.org",
        "applicant3@example.org",
        "facilitator2@example.org",
        "facilitator@example.org",
        "participant@example.org",
        "reviewer2@example.org",
        "reviewer3@example.org",
        "reviewer4@example.org",
        "reviewer@example.org",
    ]
    assert User.objects.filter(email__startswith="demo.applicant.").count() == 150
    assert sorted(User.objects.get(email="admin@example.org").role_names) == ["Programme admin"]
    output = capsys.readouterr().out
    assert "Panitch is at http://127.0.0.1:8000/" in output
    assert "programme admin  admin@example.org" in output


def test_demo_data_has_an_edition_open_for_applications_with_one_submitted(db):
    call_command("load_demo_data")
    call_command("load_demo_data")

    open_edition = Edition.objects.open_for_applications().get()
    assert sorted(
        Application.objects.filter(edition=open_edition).values_list("applicant__email", "status")
    ) == [("applicant1@example.org", "submitted"), ("applicant2@example.org", "draft")]
    submitted = Application.objects.get(edition=open_edition, status="submitted")
    assert sorted(OutboxEmail.objects.values_list("kind", "to")) == [
        ("application_received", "applicant1@example.org"),
        ("reference_request", f"ada.referee.{submitted.pk}@example.org"),
        ("reference_request", f"ben.referee.{submitted.pk}@example.org"),
    ]


def test_demo_data_has_an_edition_waiting_for_decision_day(db):
    call_command("load_demo_data")
    call_command("load_demo_data")

    deciding = Edition.objects.get(year=timezone.localdate().year)
    assert deciding.decisions_release_at > timezone.now()
    applications = Application.objects.filter(edition=deciding)
    assert sorted(
        applications.exclude(applicant__email__startswith="demo.applicant.").values_list(
            "applicant__email", "status", "decision"
        )
    ) == [
        ("applicant2@example.org", "submitted", "waitlisted"),
        ("applicant3@example.org", "submitted", "accepted"),
    ]
    assert applications.filter(status="submitted").count() == 152
    decided = dict(applications.values_list("decision").annotate(n=Count("pk")))
    assert decided == {"accepted": 40, "waitlisted": 16, "unsuccessful": 82, "": 14}
    waitlist = applications.filter(decision="waitlisted").order_by("waitlist_rank")
    assert list(waitlist.values_list("waitlist_rank", flat=True)) == list(range(1, 17))
    assert applications.values("region").distinct().count() == 12
    assert set(applications.values_list("weekend_choice", flat=True)) == {"a", "b", "both"}
    assert Review.objects.filter(application__edition=deciding).count() > 200
    assert Reference.objects.filter(referee__application__edition=deciding).count() > 200


def test_demo_weekends_are_saturday_and_sunday_and_the_info_session_an_evening(db):
    call_command("load_demo_data")

    for edition in Edition.objects.all():
        weekends = [
            (edition.weekend_a_starts_on.weekday(), edition.weekend_a_ends_on.weekday()),
            (edition.weekend_b_starts_on.weekday(), edition.weekend_b_ends_on.weekday()),
        ]
        assert weekends == [(5, 6), (5, 6)], edition
        assert edition.weekend_day_starts_at == dt.time(10, 0)
        if edition.info_session_at:
            session = timezone.localtime(edition.info_session_at)
            assert (session.weekday() < 5, session.hour) == (True, 18)


def test_nothing_in_the_demo_or_the_defaults_can_email_outside_example_org(db, settings):
    call_command("load_demo_data")

    addresses = {
        *User.objects.values_list("email", flat=True),
        *Edition.objects.values_list("contact_email", flat=True),
        *Referee.objects.values_list("email", flat=True),
        *OutboxEmail.objects.values_list("to", flat=True),
    }
    assert {address.rsplit("@", 1)[1] for address in addresses} == {"example.org"}
    assert settings.PANITCH_CONTACT_EMAIL == "leadership-programme@example.org"
