import datetime as dt
import json
import threading
import weakref
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, router
from django.db.models import (
    CharField,
    DateTimeField,
    Exists,
    F,
    Func,
    JSONField,
    OuterRef,
    Prefetch,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Concat, JSONObject
from django.db.models.query import get_related_populators
from django.utils import timezone

from panitch.models import Edition, OutboxEmail, User

from .enums import ApplicationStatus
from .models import Application, DecisionRelease, EqualityMonitoring, Referee, Reference


def open_edition() -> Edition | None:
    return Edition.objects.open_for_applications().first()


def open_application_for(
    *,
    user: User,
    only: tuple[str, ...] | None = None,
    with_referees: bool = False,
    with_equality: bool = False,
) -> tuple[Edition | None, Application | None]:
    """The edition open for applications and the person's application to it, if any: one
    query when they have one (the form's every page), two when they do not. `only` names the
    application's fields the caller reads, when it reads few (any other loads on access).

    In the same query, `with_referees` loads every referee the application has named, with
    where each request stands (`referee_states`), and `with_equality` the person's equality
    answers for the edition (`equality_answers`, None if they gave none). Those answers are
    linked to the person and the edition, never to the application, so they are looked up from
    the person's side, as a subquery, not joined.
    """
    query = _step_query(
        connections[router.db_for_read(Application)],
        only=None if only is None else tuple(only),
        with_referees=with_referees,
        with_equality=with_equality,
    )
    rows = query.run(user_id=user.pk, now=timezone.now())
    if not rows:
        return open_edition(), None
    application = rows[0]
    if with_referees:
        _attach_referees(application, rows)
    if with_equality:
        application.equality_answers = _equality_from(application._equality, application)
    return application.edition, application


# Placeholders the step query is compiled with, replaced by the real values on every run.
_ANY_PERSON = -1
_ANY_TIME = dt.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC)


def _step_queryset(*, only, with_referees, with_equality):
    applications = Application.objects.filter(
        applicant_id=_ANY_PERSON,
        edition__applications_open_at__lte=_ANY_TIME,
        edition__applications_close_at__gt=_ANY_TIME,
    ).select_related("edition")
    if only is not None:
        applications = applications.only("edition", "applicant", *only)
    if with_referees:
        applications = applications.annotate(**_REFEREE_COLUMNS, _reminded=_reminded_subquery())
    if with_equality:
        applications = applications.annotate(_equality=_equality_subquery())
    # Editions' windows never overlap, so there is one application at most; ordered as first().
    return applications.order_by("pk")[: None if with_referees else 1]


class _CompiledStepQuery:
    """The step page's query, built and compiled by the ORM once per database connection and
    shape, then run with each request's person and time. Building and compiling it cost more
    than running it, on every page of the form (as with the person's query: panitch/auth.py).
    What it returns is what the ORM's own iteration makes of the rows: nothing is kept
    between requests but the SQL."""

    def __init__(self, connection, queryset):
        self.connection = connection
        compiler = queryset.query.get_compiler(connection=connection)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.person_at = [i for i, p in enumerate(params) if p == _ANY_PERSON]
        any_time = connection.ops.adapt_datetimefield_value(_ANY_TIME)
        self.time_at = [i for i, p in enumerate(params) if p == any_time]
        assert (len(self.person_at), len(self.time_at)) == (1, 2), params
        self.select = compiler.select
        self.klass_info = compiler.klass_info
        self.annotation_col_map = compiler.annotation_col_map
        self.converters = compiler.get_converters([col for col, _, _ in compiler.select])
        start, end = self.klass_info["select_fields"][0], self.klass_info["select_fields"][-1] + 1
        self.model_slice = slice(start, end)
        self.init_list = [col[0].target.attname for col in self.select[start:end]]
        # They keep only where each related model's columns are, not what they made.
        self.populators = get_related_populators(self.klass_info, self.select, connection.alias)

    def run(self, *, user_id, now) -> list[Application]:
        params = list(self.params)
        for i in self.person_at:
            params[i] = user_id
        any_time = self.connection.ops.adapt_datetimefield_value(now)
        for i in self.time_at:
            params[i] = any_time
        with self.connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        db = self.connection.alias
        applications = []
        for row in rows:
            row = list(row)
            for position, (converters, expression) in self.converters.items():
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, self.connection)
                row[position] = value
            application = Application.from_db(db, self.init_list, row[self.model_slice])
            for populator in self.populators:
                populator.populate(row, application)
            for name, position in self.annotation_col_map.items():
                setattr(application, name, row[position])
            applications.append(application)
        return applications


# Each thread has its own connections, so its own compiled queries (their converters belong to
# the connection); the lock only guards the shared mapping from connection to queries.
_compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_compiled_lock = threading.Lock()


def _step_query(connection, **shape) -> _CompiledStepQuery:
    key = (tuple(settings.REFERENCE_REMINDER_DAYS), *sorted(shape.items()))
    by_shape = _compiled.get(connection)
    if by_shape is None:
        with _compiled_lock:
            by_shape = _compiled.setdefault(connection, {})
    query = by_shape.get(key)
    if query is None:
        query = by_shape[key] = _CompiledStepQuery(connection, _step_queryset(**shape))
    return query


# A referee's own columns and their reference's, joined to the application: a row per referee.
_REFEREE_FIELDS = [
    f.attname for f in Referee._meta.concrete_fields if f.attname != "application_id"
]
_REFEREE_COLUMNS = {
    **{f"_referee_{name}": F(f"referees__{name}") for name in _REFEREE_FIELDS},
    "_reference_id": F("referees__reference__id"),
    "_reference_declined": F("referees__reference__declined"),
    "_reference_submitted_at": F("referees__reference__submitted_at"),
}


def _reminder_keys(referee_id) -> list:
    return [
        Concat(
            Value("reference_reminder:"),
            Cast(referee_id, CharField()),
            Value(f":{days}"),
            output_field=CharField(),
        )
        for days in settings.REFERENCE_REMINDER_DAYS
    ]


def _reminded_subquery():
    """When the referee on this row was last reminded (the outbox keeps every reminder)."""
    reminders = (
        OutboxEmail.objects.filter(idempotency_key__in=_reminder_keys(OuterRef("referees__id")))
        .order_by()
        .values(at=Func(F("created_at"), function="MAX"))
    )
    return Subquery(reminders[:1], output_field=DateTimeField())


def _attach_referees(application: Application, rows: list[Application]) -> None:
    """Referees, as if prefetched, and their states, from the rows joined to them."""
    referees, reminded = [], {}
    for row in rows:
        if row._referee_id is None or row.pk != application.pk:
            continue  # no referee named yet: the one row the outer join gives
        values = {name: getattr(row, f"_referee_{name}") for name in _REFEREE_FIELDS}
        referee = _loaded(Referee, application._state.db, application_id=application.pk, **values)
        if row._reference_id is not None:
            referee._state.fields_cache["reference"] = _loaded(
                Reference,
                application._state.db,
                id=row._reference_id,
                referee_id=referee.pk,
                declined=row._reference_declined,
                submitted_at=row._reference_submitted_at,
            )
        else:
            referee._state.fields_cache["reference"] = None
        referee._state.fields_cache["application"] = application
        if row._reminded is not None:
            reminded[referee.pk] = row._reminded
        referees.append(referee)
    referees.sort(key=lambda r: (r.position, -r.pk))  # the model's ordering
    queryset = application.referees.get_queryset()
    queryset._result_cache, queryset._prefetch_done = referees, True
    application._prefetched_objects_cache = {"referees": queryset}
    application.referee_states = _states(referees, reminded)


_EQUALITY_FIELDS = [
    "id",
    "age_band",
    "gender",
    "ethnicity",
    "disability",
    "sexuality",
    "class_background",
]


def _equality_subquery():
    answers = EqualityMonitoring.objects.filter(
        edition=OuterRef("edition_id"), person=OuterRef("applicant_id")
    ).values(answers=JSONObject(**{name: name for name in _EQUALITY_FIELDS}))
    return Subquery(answers[:1], output_field=JSONField())


def _equality_from(answers, application: Application) -> EqualityMonitoring | None:
    if not answers:
        return None
    if isinstance(answers, str):  # a JSON text where the driver does not decode it
        answers = json.loads(answers)
    return _loaded(
        EqualityMonitoring,
        application._state.db,
        **{name: answers[name] for name in _EQUALITY_FIELDS},
        edition_id=application.edition_id,
        person_id=application.applicant_id,
    )


def _loaded(model, db, **values):
    """An instance as the ORM loads one: from_db wants the values in the model's field order;
    any field not given is deferred."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    assert len(names) == len(values), set(values) - set(names)
    return model.from_db(db, names, [values[name] for name in names])


def application_for(*, user: User, edition: Edition) -> Application | None:
    application = Application.objects.filter(applicant=user, edition=edition).first()
    if application is not None:
        application.edition = edition  # the caller's own copy: no join needed
    return application


def applications_for_dashboard(*, user: User):
    """The person's own applications, newest edition first, with references counted."""
    released = DecisionRelease.objects.filter(edition=OuterRef("edition"))
    return (
        Application.objects.filter(applicant=user)
        .with_reference_counts()
        .annotate(released=Exists(released))
        .select_related("edition", "edition__release")
        .prefetch_related(
            Prefetch("referees", queryset=Referee.objects.select_related("reference"))
        )
        .order_by("-edition__year")
    )


def referee_for_token(token: str) -> Referee | None:
    """The referee a link belongs to, or None for any token we did not issue."""
    if not token or len(token) > 64:
        return None
    return (
        Referee.objects.filter(token=token)
        .select_related("application__edition", "application__applicant", "reference")
        .first()
    )


def reference_is_needed(referee: Referee) -> bool:
    return referee.replaced_at is None and (
        referee.application.status == ApplicationStatus.SUBMITTED
    )


@dataclass(frozen=True)
class RefereeState:
    """What an applicant may know about one referee: who, and where their request stands —
    never what they wrote."""

    name: str
    email: str
    state: str  # "not asked yet", "asked", "reminded", "answered", "declined", "replaced"
    since: dt.datetime | None


def _reminded_at(referees) -> dict[int, dt.datetime]:
    """When each referee was last reminded, in one query."""
    keys = [
        f"reference_reminder:{referee.pk}:{days}"
        for referee in referees
        for days in settings.REFERENCE_REMINDER_DAYS
    ]
    reminded = {}
    if keys:
        rows = OutboxEmail.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", "created_at"
        )
        for key, created in rows:
            pk = int(key.split(":")[1])
            reminded[pk] = max(created, reminded.get(pk, created))
    return reminded


def _states(referees, reminded) -> list[RefereeState]:
    states = []
    for referee in sorted(referees, key=lambda r: (r.replaced_at is not None, r.position, -r.pk)):
        reference = getattr(referee, "reference", None)
        if referee.replaced_at is not None:
            state, since = "replaced", referee.replaced_at
        elif reference is not None:
            state = "declined" if reference.declined else "answered"
            since = reference.submitted_at
        elif referee.pk in reminded:
            state, since = "reminded", reminded[referee.pk]
        elif referee.requested_at is not None:
            state, since = "asked", referee.requested_at
        else:
            state, since = "not asked yet", None
        states.append(RefereeState(referee.name, referee.email, state, since))
    return states


def with_referee_states(applications: list[Application]) -> list[Application]:
    """Sets `referee_states` on applications fetched by applications_for_dashboard (their
    referees prefetched), with one query for all of them."""
    by_application = {a.pk: list(a.referees.all()) for a in applications}
    reminded = _reminded_at([r for referees in by_application.values() for r in referees])
    for application in applications:
        application.referee_states = _states(by_application[application.pk], reminded)
    return applications
