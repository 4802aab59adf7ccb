"""With a real Celery worker: committing the allocation delivers one email to each person, and a
move after commit delivers one email to the person moved."""

from collections import Counter

import pytest
from django.core import mail

from cohorts import services
from cohorts.models import Participant
from panitch.enums import EmailStatus
from panitch.models import OutboxEmail
from panitch.tasks import outbox_sweep
from tests.applications.conftest import celery_worker_thread  # noqa: F401 (a fixture)
from tests.applications.helpers import wait_for
from tests.cohorts.factories import confirmed_place, released
from tests.factories import EditionFactory, UserFactory


@pytest.fixture
def admin_user(transactional_db):
    return UserFactory(role="Programme admin", email="pat.admin@example.org")


def test_commit_then_move_deliver_one_email_each(celery_worker_thread, client, admin_user):  # noqa: F811
    edition = released(EditionFactory())
    london, leeds = services.cohorts_create_default(edition=edition)
    people = [
        confirmed_place(
            edition,
            weekend=weekend,
            applicant=UserFactory(email=f"person.{n}@example.org"),
        )
        for n, weekend in enumerate(["a", "b", "both", "both", "a", "b"])
    ]
    client.force_login(admin_user)
    client.post(f"/staff/cohorts/{edition.pk}/commit/", {"confirm": "yes"})
    client.post(f"/staff/cohorts/{edition.pk}/commit/", {"confirm": "yes"})  # refused
    outbox_sweep.delay()  # the periodic retry finds nothing more to send
    assert wait_for(lambda: len(mail.outbox) >= len(people))
    assert wait_for(lambda: not OutboxEmail.objects.exclude(status=EmailStatus.SENT).exists())
    assert Counter(message.to[0] for message in mail.outbox) == Counter(
        {person.applicant.email: 1 for person in people}
    )
    mover = Participant.objects.select_related("cohort").get(person__email="person.2@example.org")
    target = leeds if mover.cohort == london else london
    client.post(f"/staff/cohorts/participants/{mover.pk}/move/", {"cohort": target.pk})
    assert wait_for(lambda: len(mail.outbox) == len(people) + 1)
    outbox_sweep.delay()
    moved = [m for m in mail.outbox if m.subject.startswith("You have moved")]
    assert [m.to for m in moved] == [["person.2@example.org"]]
    assert f"to the {target.name} cohort" in moved[0].body
