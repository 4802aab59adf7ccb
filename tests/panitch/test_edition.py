import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from panitch.models import Edition
from tests.factories import EditionFactory

LONDON = ZoneInfo("Europe/London")


def errors_of(edition):
    with pytest.raises(ValidationError) as caught:
        edition.full_clean()
    return caught.value.message_dict


def test_a_well_ordered_edition_is_valid(db):
    EditionFactory.build(year=2031).full_clean()


def test_dates_out_of_order_get_a_message_per_field(db):
    edition = EditionFactory.build(
        year=2031,
        applications_close_at=dt.datetime(2031, 4, 1, tzinfo=LONDON),  # before opening
        decisions_release_at=dt.datetime(2031, 5, 10, 9, tzinfo=LONDON),  # before references
        weekend_b_ends_on=dt.date(2031, 8, 20),  # before its first day
        closing_day=dt.date(2031, 8, 1),  # before the weekends
        weekend_day_ends_at=dt.time(9, 0),  # before 10:00
    )

    assert errors_of(edition) == {
        "applications_close_at": ["Must be after applications open."],
        "decisions_release_at": [
            "Must be after the reference deadline, so every reference can be read first."
        ],
        "weekend_b_ends_on": ["Must not be before the first day."],
        "closing_day": ["Must be after both in-person weekends."],
        "weekend_day_ends_at": ["Must be after the start time."],
        "info_session_at": ["Must fall while applications are open."],
    }


def test_weekends_come_after_the_offer_deadline(db):
    edition = EditionFactory.build(year=2031, weekend_a_starts_on=dt.date(2031, 6, 10))

    assert errors_of(edition)["weekend_a_starts_on"] == [
        "Must be after the offer response deadline."
    ]


def test_only_one_edition_takes_applications_at_a_time(db):
    EditionFactory(year=2031)
    overlapping = EditionFactory.build(
        year=2032,
        applications_open_at=dt.datetime(2031, 5, 1, tzinfo=LONDON),
        applications_close_at=dt.datetime(2031, 5, 20, tzinfo=LONDON),
    )

    assert errors_of(overlapping)["applications_open_at"] == [
        "Applications for 2031 are open at the same time. "
        "Only one edition can take applications at any moment."
    ]


def test_current_edition_prefers_the_open_one_then_the_next_then_the_latest(db):
    e2031 = EditionFactory(year=2031)
    e2032 = EditionFactory(year=2032)

    during_2031 = dt.datetime(2031, 4, 20, tzinfo=LONDON)
    between = dt.datetime(2031, 9, 1, tzinfo=LONDON)
    after_all = dt.datetime(2033, 1, 1, tzinfo=LONDON)
    assert Edition.objects.current(at=during_2031) == e2031
    assert Edition.objects.current(at=between) == e2032
    assert Edition.objects.current(at=after_all) == e2032


def test_admin_form_shows_field_errors_and_saves_nothing(client, db):
    from tests.factories import UserFactory

    admin = UserFactory(role="Programme admin")
    client.force_login(admin)
    data = {
        "name": "2031",
        "year": "2031",
        "applications_open_at_0": "12/05/2031",
        "applications_open_at_1": "09:00",
        "applications_close_at_0": "01/05/2031",
        "applications_close_at_1": "09:00",
        "reference_deadline_0": "16/05/2031",
        "reference_deadline_1": "23:59",
        "decisions_release_at_0": "02/06/2031",
        "decisions_release_at_1": "09:00",
        "offer_response_deadline_0": "16/06/2031",
        "offer_response_deadline_1": "23:59",
        "weekend_a_starts_on": "07/08/2031",
        "weekend_a_ends_on": "08/08/2031",
        "weekend_a_city": "London",
        "weekend_b_starts_on": "21/08/2031",
        "weekend_b_ends_on": "22/08/2031",
        "weekend_b_city": "Leeds",
        "weekend_day_starts_at": "10:00",
        "weekend_day_ends_at": "18:00",
        "closing_day": "20/11/2031",
        "cohort_count": "2",
        "cohort_size": "20",
        "contact_name": "Rachel",
        "contact_email": "programme@example.org",
    }

    response = client.post("/admin/panitch/edition/add/", data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "applications_close_at": ["Must be after applications open."]
    }
    assert Edition.objects.count() == 0

    data["applications_close_at_0"] = "09/05/2031"
    data["applications_open_at_0"] = "12/04/2031"
    data["info_session_at_0"] = ""
    response = client.post("/admin/panitch/edition/add/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Edition.objects.get().applications_close_at == dt.datetime(2031, 5, 9, 9, tzinfo=LONDON)
