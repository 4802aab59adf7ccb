"""The roster, "my cohort" and the allocation preview read a fixed number of queries,
however many people they list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cohorts import services
from tests.cohorts.factories import CohortFactory, ParticipantFactory, confirmed_place

pytestmark = pytest.mark.django_db


def queries(client, url):
    client.get(url)  # warm: the first request also loads the session and navigation cache
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_roster_queries_do_not_grow(client, facilitator):
    cohort = CohortFactory(facilitators=[facilitator])
    ParticipantFactory.create_batch(2, cohort=cohort)
    client.force_login(facilitator)
    urls = [f"/facilitate/{cohort.pk}/", f"/facilitate/{cohort.pk}/sign-in/"]
    urls.append(f"/facilitate/{cohort.pk}/roster.csv")
    few = [queries(client, url) for url in urls]
    ParticipantFactory.create_batch(15, cohort=cohort)
    assert [queries(client, url) for url in urls] == few


def test_my_cohort_queries_do_not_grow(client, facilitator):
    cohort = CohortFactory(facilitators=[facilitator])
    me = ParticipantFactory(cohort=cohort)
    ParticipantFactory.create_batch(2, cohort=cohort)
    client.force_login(me.person)
    few = queries(client, "/cohort/")
    ParticipantFactory.create_batch(15, cohort=cohort, share_contact=True)
    assert queries(client, "/cohort/") == few


def test_allocation_preview_queries_do_not_grow(client, programme_admin, edition):
    services.cohorts_create_default(edition=edition)
    for _ in range(3):
        confirmed_place(edition)
    client.force_login(programme_admin)
    url = f"/staff/cohorts/{edition.pk}/allocation/"
    few = queries(client, url)
    for weekend in ["a", "b", "both"] * 8:
        confirmed_place(edition, weekend=weekend)
    assert queries(client, url) == few


def test_committed_allocation_page_queries_do_not_grow(client, programme_admin, edition):
    london, leeds = services.cohorts_create_default(edition=edition)
    for _ in range(2):
        confirmed_place(edition)
    services.allocation_commit(edition=edition, by=programme_admin)
    client.force_login(programme_admin)
    url = f"/staff/cohorts/{edition.pk}/allocation/"
    few = queries(client, url)
    ParticipantFactory.create_batch(10, cohort=london)
    assert queries(client, url) == few
