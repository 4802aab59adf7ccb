from django.core.management import call_command

from panitch.models import Edition, User


def test_demo_data_twice_is_the_same_data(db, capsys):
    call_command("load_demo_data")
    call_command("load_demo_data")

    edition = Edition.objects.get()
    assert (edition.name, edition.weekend_a_city, edition.weekend_b_city) == (
        "2021",
        "London",
        "Leeds",
    )
    assert str(edition.closing_day) == "2021-11-20"
    assert sorted(User.objects.values_list("email", flat=True)) == [
        "admin@example.org",
        "applicant1@example.org",
        "applicant2@example.org",
        "applicant3@example.org",
        "facilitator@example.org",
        "reviewer@example.org",
    ]
    assert sorted(User.objects.get(email="admin@example.org").role_names) == ["Programme admin"]
    output = capsys.readouterr().out
    assert "Panitch is at http://127.0.0.1:8000/" in output
    assert "programme admin  admin@example.org" in output
