from django.core.management import call_command
from django.utils import timezone

from applications.models import Application, Review
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
        "reviewer@example.org",
    ]
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
    assert sorted(
        Application.objects.filter(edition=deciding).values_list(
            "applicant__email", "status", "decision"
        )
    ) == [
        ("applicant2@example.org", "submitted", "waitlisted"),
        ("applicant3@example.org", "submitted", "accepted"),
    ]
    assert Review.objects.filter(application__edition=deciding).count() == 2
