"""The step page's one query loads what the ORM would: the application, its edition, its
referees with their references, and the person's equality answers for that edition."""

from django.forms.models import model_to_dict

from applications import selectors
from applications.models import EqualityMonitoring, Reference
from tests.applications.factories import ApplicationFactory
from tests.applications.helpers import reference_link


def test_the_referees_come_with_the_application_as_the_orm_loads_them(
    signed_in, referee_client, submitted, applicant, django_assert_num_queries
):
    referee_client.post(
        reference_link("reference_request", "ref.two@example.org"), {"decline_confirmed": "1"}
    )

    with django_assert_num_queries(1):
        edition, application = selectors.open_application_for(
            user=applicant, only=("status", "completed_steps"), with_referees=True
        )
        loaded = list(application.referees.all())
        states = [(s.name, s.state) for s in application.referee_states]

    assert (edition, application) == (submitted.edition, submitted)
    expected = list(submitted.referees.order_by("position", "-pk"))
    assert [model_to_dict(r) | {"pk": r.pk} for r in loaded] == [
        model_to_dict(r) | {"pk": r.pk} for r in expected
    ]
    assert [r.application_id for r in loaded] == [submitted.pk, submitted.pk]
    assert states == [("Ada Referee", "asked"), ("Ben Referee", "declined")]
    assert loaded[1].reference == Reference.objects.get()
    assert [r.pk for r in application.active_referees] == [r.pk for r in expected]


def test_the_equality_answers_come_with_the_application(
    signed_in, submitted, applicant, django_assert_num_queries
):
    with django_assert_num_queries(1):
        _, application = selectors.open_application_for(
            user=applicant, only=("status",), with_equality=True
        )

    stored = EqualityMonitoring.objects.get()
    answers = application.equality_answers
    assert (answers.pk, answers.edition_id, answers.person_id) == (
        stored.pk,
        submitted.edition_id,
        applicant.pk,
    )
    assert model_to_dict(answers) == model_to_dict(stored)


def test_no_equality_answers_is_none(signed_in, open_edition, applicant, fill_in):
    fill_in("about")

    _, application = selectors.open_application_for(user=applicant, with_equality=True)

    assert application.equality_answers is None


def test_the_compiled_query_is_run_with_each_callers_person_and_time(
    open_edition, applicant, monkeypatch
):
    mine = ApplicationFactory(edition=open_edition, applicant=applicant)
    theirs = ApplicationFactory(edition=open_edition)

    assert selectors.open_application_for(user=applicant, only=("status",)) == (
        open_edition,
        mine,
    )
    assert selectors.open_application_for(user=theirs.applicant, only=("status",)) == (
        open_edition,
        theirs,
    )
    monkeypatch.setattr(selectors.timezone, "now", lambda: open_edition.applications_close_at)
    assert selectors.open_application_for(user=applicant, only=("status",)) == (None, None)
