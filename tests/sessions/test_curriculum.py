"""Programme admins build the curriculum once: weekend sessions per cohort on its weekend,
online sessions per cohort (possibly TBC), the closing day shared. Bad input is refused at save
time with the reason next to the field, and nothing partial is saved."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from panitch.models import OutboxEmail
from sessions import services
from sessions.enums import Part, Strand
from sessions.models import Session
from tests.sessions.conftest import at, signed_in
from tests.sessions.reminder_factories import SessionFactory


def add(edition, admin, **kwargs):
    defaults = {"strand": Strand.POLITICAL, "title": "Class politics"}
    return services.curriculum_session_add(edition=edition, by=admin, **(defaults | kwargs))


def test_a_weekend_session_is_made_for_each_cohort_on_its_own_weekend(
    edition, london, leeds, admin_user
):
    created = add(
        edition, admin_user, part=Part.WEEKEND, day=2, starts=dt.time(14), ends=dt.time(15)
    )

    by_cohort = {s.cohort.name: s for s in created}
    assert sorted(by_cohort) == ["Leeds", "London"]
    assert by_cohort["London"].starts_at == at(edition.weekend_a_ends_on, 14)
    assert by_cohort["Leeds"].starts_at == at(edition.weekend_b_ends_on, 14)
    assert {s.format for s in created} == {"in-person"}
    assert {s.position for s in created} == {1}


def test_a_closing_day_session_is_shared_and_an_online_one_may_be_tbc(
    edition, london, leeds, admin_user
):
    closing = add(
        edition,
        admin_user,
        part=Part.CLOSING,
        starts=dt.time(10),
        ends=dt.time(11),
        joining_url="https://meet.example.org/closing",
    )
    online = add(edition, admin_user, part=Part.ONLINE, title="Free session", strand="free")

    assert [(s.cohort, s.starts_at) for s in closing] == [(None, at(edition.closing_day, 10))]
    assert [(s.cohort.name, s.starts_at, s.ends_at) for s in online] == [
        ("London", None, None),
        ("Leeds", None, None),
    ]
    assert [s.position for s in Session.objects.order_by("position", "pk")] == [1, 2, 2]


def test_overlapping_sessions_for_a_cohort_are_refused_and_nothing_is_saved(
    edition, london, leeds, admin_user
):
    add(edition, admin_user, part=Part.WEEKEND, day=1, starts=dt.time(10), ends=dt.time(11))

    with pytest.raises(ValidationError) as error:
        add(
            edition,
            admin_user,
            part=Part.WEEKEND,
            day=1,
            title="Teams",
            starts=dt.time(10, 30),
            ends=dt.time(12),
        )

    assert error.value.message_dict["starts_at"][0].startswith("This overlaps “Class politics”")
    assert Session.objects.filter(title="Teams").count() == 0


def test_a_session_outside_the_editions_dates_is_refused(edition, london, admin_user):
    with pytest.raises(ValidationError) as error:
        add(
            edition,
            admin_user,
            part=Part.ONLINE,
            on=edition.closing_day + dt.timedelta(days=1),
            starts=dt.time(18),
            ends=dt.time(20),
            joining_url="https://meet.example.org/x",
        )

    assert "outside the" in error.value.message_dict["starts_at"][0]
    assert not Session.objects.exists()


def test_an_online_session_needs_a_link_unless_tbc(edition, london, admin_user):
    day = edition.closing_day - dt.timedelta(days=20)
    with pytest.raises(ValidationError) as error:
        add(edition, admin_user, part=Part.ONLINE, on=day, starts=dt.time(18), ends=dt.time(20))

    assert error.value.message_dict["joining_url"] == [
        "An online session needs a joining link (or leave it to be confirmed)."
    ]
    assert len(add(edition, admin_user, part=Part.ONLINE)) == 1  # TBC: no link needed yet


def test_a_sixth_closing_day_session_is_refused(edition, london, admin_user):
    for hour in range(10, 15):
        add(
            edition,
            admin_user,
            part=Part.CLOSING,
            starts=dt.time(hour),
            ends=dt.time(hour, 50),
            joining_url="https://meet.example.org/c",
            title=f"Closing {hour}",
        )

    with pytest.raises(ValidationError) as error:
        add(
            edition,
            admin_user,
            part=Part.CLOSING,
            starts=dt.time(16),
            ends=dt.time(17),
            joining_url="https://meet.example.org/c",
            title="One too many",
        )

    assert error.value.message_dict["part"] == [
        "The closing day has 5 sessions; this would make 6."
    ]
    assert Session.objects.filter(part="closing").count() == 5


def test_the_curriculum_page_warns_while_the_closing_day_has_other_than_five(
    edition, london, admin_user
):
    add(
        edition,
        admin_user,
        part=Part.CLOSING,
        starts=dt.time(10),
        ends=dt.time(11),
        joining_url="https://meet.example.org/c",
    )

    page = signed_in(admin_user).get(f"/staff/schedule/{edition.pk}/").content.decode()

    assert "The closing day has 1 session; it should have 5." in page


def test_the_add_form_shows_the_error_next_to_the_field_and_saves_nothing(
    edition, london, admin_user
):
    response = signed_in(admin_user).post(
        f"/staff/schedule/{edition.pk}/add/",
        {
            "part": "online",
            "strand": "organising",
            "title": "Teams",
            "on": (edition.closing_day - dt.timedelta(days=9)).isoformat(),
            "starts": "18:00",
            "ends": "20:00",
            "joining_url": "",
        },
    )

    assert response.status_code == 400
    assert "An online session needs a joining link" in response.content.decode()
    assert not Session.objects.exists()


def test_the_curriculum_shows_its_order_and_an_item_moves_for_every_cohort(
    edition, london, leeds, admin_user
):
    add(edition, admin_user, part=Part.WEEKEND, day=1, starts=dt.time(10), ends=dt.time(11))
    add(edition, admin_user, part=Part.ONLINE, title="Collective care", strand="organising")
    client = signed_in(admin_user)

    client.post(f"/staff/schedule/{edition.pk}/move/2/", {"direction": "up"})

    page = client.get(f"/staff/schedule/{edition.pk}/").content.decode()
    assert page.index("1. Collective care") < page.index("2. Class politics")
    assert sorted(Session.objects.values_list("title", "position")) == [
        ("Class politics", 2),
        ("Class politics", 2),
        ("Collective care", 1),
        ("Collective care", 1),
    ]


def test_tbc_reads_to_be_confirmed_on_the_curriculum_page(edition, london, admin_user):
    add(edition, admin_user, part=Part.ONLINE, title="Free session", strand="free")

    page = signed_in(admin_user).get(f"/staff/schedule/{edition.pk}/").content.decode()

    assert 'London: <span class="badge tbc">To be confirmed</span>' in page


def test_the_curriculum_pages_are_for_programme_admins_only(edition, london_facilitator):
    client = signed_in(london_facilitator)
    assert client.get(f"/staff/schedule/{edition.pk}/").status_code == 403
    assert client.get(f"/staff/schedule/{edition.pk}/add/").status_code == 403


def test_moving_a_session_bumps_its_sequence_and_tells_its_people_once(
    edition, london, londoner, admin_user
):
    session = SessionFactory(
        cohort=london, starts_at=at(edition.closing_day, 18) - dt.timedelta(days=9)
    )
    new_start = session.starts_at + dt.timedelta(days=1)

    services.session_update(
        session=session,
        by=admin_user,
        starts_at=new_start,
        ends_at=new_start + dt.timedelta(hours=2),
    )
    services.session_update(session=session, by=admin_user, title="Renamed")

    session.refresh_from_db()
    assert session.sequence == 1
    told = OutboxEmail.objects.filter(kind="session_rescheduled").values_list("to", flat=True)
    assert sorted(told) == sorted([londoner.person.email, "priya@example.org"])


def test_a_tbc_session_given_a_date_tells_its_people(edition, london, londoner, admin_user):
    session = SessionFactory(
        cohort=london, starts_at=None, joining_url="https://meet.example.org/a"
    )
    day = edition.closing_day - dt.timedelta(days=10)

    services.session_update(
        session=session, by=admin_user, starts_at=at(day, 18), ends_at=at(day, 20)
    )

    session.refresh_from_db()
    assert (session.sequence, session.starts_at) == (1, at(day, 18))
    assert (
        OutboxEmail.objects.filter(kind="session_rescheduled", to=londoner.person.email).count()
        == 1
    )


def test_an_edit_that_breaks_a_rule_is_refused_and_leaves_the_session_as_it_was(
    edition, london, admin_user
):
    day = edition.closing_day - dt.timedelta(days=10)
    session = SessionFactory(cohort=london, starts_at=at(day, 18), title="Teams")

    response = signed_in(admin_user).post(
        f"/staff/schedule/sessions/{session.pk}/",
        {
            "title": "Changed",
            "strand": "organising",
            "description": "",
            "on": day.isoformat(),
            "starts": "18:00",
            "ends": "20:00",
            "joining_url": "",
        },
    )

    assert response.status_code == 400
    assert "An online session needs a joining link" in response.content.decode()
    session.refresh_from_db()
    assert (session.title, session.sequence) == ("Teams", 0)
    assert session.joining_url == "https://meet.example.org/panitch-session"


def edit_form(session, **changes):
    day = timezone.localtime(session.starts_at)
    return {
        "title": session.title,
        "strand": session.strand,
        "description": "",
        "on": day.date().isoformat(),
        "starts": f"{day:%H:%M}",
        "ends": f"{timezone.localtime(session.ends_at):%H:%M}",
        "joining_url": session.joining_url,
    } | changes


def test_renaming_a_session_renames_every_cohorts_copy_but_keeps_their_times(
    edition, london, leeds, admin_user
):
    london_copy, leeds_copy = add(
        edition, admin_user, part=Part.WEEKEND, day=1, starts=dt.time(10), ends=dt.time(11)
    )

    response = signed_in(admin_user).post(
        f"/staff/schedule/sessions/{london_copy.pk}/",
        edit_form(
            london_copy, title="Class and power", starts="10:30", ends="11:30", everywhere="on"
        ),
    )

    assert response.status_code == 302
    london_copy.refresh_from_db()
    leeds_copy.refresh_from_db()
    assert (london_copy.title, london_copy.starts_at) == (
        "Class and power",
        at(edition.weekend_a_starts_on, 10, 30),
    )
    assert (leeds_copy.title, leeds_copy.starts_at) == (
        "Class and power",
        at(edition.weekend_b_starts_on, 10),
    )


def test_without_everywhere_only_that_cohorts_copy_changes(edition, london, leeds, admin_user):
    london_copy, leeds_copy = add(
        edition, admin_user, part=Part.WEEKEND, day=1, starts=dt.time(10), ends=dt.time(11)
    )

    signed_in(admin_user).post(
        f"/staff/schedule/sessions/{london_copy.pk}/", edit_form(london_copy, title="London only")
    )

    assert sorted(Session.objects.values_list("title", flat=True)) == [
        "Class politics",
        "London only",
    ]
