"""The programme admins' allocation page and its actions. Each action calls one service and
comes back to the page with a message; bad input and an infeasible plan are messages too."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from applications import decisions
from panitch.models import Edition
from panitch.rules import is_programme_admin

from . import selectors, services
from .forms import MoveForm, PinForm, StaffWithdrawForm
from .models import Cohort


def _messages(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _back(edition):
    return redirect("cohorts:allocation", edition_id=edition.pk)


@login_required
def allocation_current(request):
    if not (request.user.is_superuser or is_programme_admin(request.user)):
        raise Http404
    # The edition waiting for its allocation, else the latest with cohorts, else the current.
    with_cohorts = Edition.objects.filter(cohorts__isnull=False).distinct().order_by("-year")
    edition = (
        with_cohorts.filter(allocation__isnull=True).first()
        or with_cohorts.first()
        or Edition.objects.current()
    )
    if edition is None:
        raise Http404("No edition yet.")
    return _back(edition)


@login_required
def allocation(request, edition_id):
    edition = selectors.edition_for_staff(user=request.user, edition_id=edition_id)
    plan = services.allocation_plan(edition=edition)
    context = {
        "edition": edition,
        "editions": Edition.objects.order_by("-year"),
        "plan": plan,
        "cohorts": [cohort_plan.cohort for cohort_plan in plan.cohorts],
    }
    if plan.committed:
        context.update(_committed_context(edition, plan))
    return render(request, "cohorts/staff/allocation.html", context)


def _committed_context(edition, plan):
    from .models import Participant

    participants = list(
        Participant.objects.active()
        .filter(edition=edition)
        .select_related("person", "application")
        .order_by("person__first_name", "person__last_name", "pk")
    )
    by_cohort = {cohort_plan.cohort.pk: [] for cohort_plan in plan.cohorts}
    for participant in participants:
        by_cohort.setdefault(participant.cohort_id, []).append(participant)
    return {
        "members": [
            (cohort_plan.cohort, by_cohort.get(cohort_plan.cohort.pk, []))
            for cohort_plan in plan.cohorts
        ],
        "newcomers": list(selectors.unallocated_places(edition=edition)),
        "places_free": decisions.places_free(edition=edition),
        "waitlist": decisions.Application.objects.filter(
            edition=edition, decision="waitlisted", status="submitted"
        ).count(),
    }


@login_required
@require_POST
def create_default(request, edition_id):
    edition = selectors.edition_for_staff(user=request.user, edition_id=edition_id)
    cohorts = services.cohorts_create_default(edition=edition)
    messages.success(request, f"{edition.name} has {len(cohorts)} cohorts.")
    return _back(edition)


@login_required
@require_POST
def pin(request, edition_id):
    edition = selectors.edition_for_staff(user=request.user, edition_id=edition_id)
    form = PinForm(request.POST, cohorts=Cohort.objects.filter(edition=edition))
    if not form.is_valid():
        messages.error(request, "Choose one of this edition's cohorts.")
        return _back(edition)
    application = (
        selectors.unallocated_places(edition=edition)
        .filter(pk=form.cleaned_data["application"])
        .first()
    )
    if application is None:
        messages.error(request, "That person has no confirmed place waiting for a cohort.")
        return _back(edition)
    cohort = form.cleaned_data["cohort"]
    try:
        services.allocation_pin(
            edition=edition, application=application, cohort=cohort, by=request.user
        )
    except ValidationError as error:
        _messages(request, error)
    else:
        name = application.applicant.get_full_name() or application.applicant.email
        if cohort:
            messages.success(request, f"{name} is pinned to {cohort.name}; the plan is re-run.")
        else:
            messages.success(request, f"{name} is unpinned; the plan is re-run.")
    return _back(edition)


@login_required
@require_POST
def unpin_all(request, edition_id):
    edition = selectors.edition_for_staff(user=request.user, edition_id=edition_id)
    try:
        count = services.allocation_unpin_all(edition=edition, by=request.user)
    except ValidationError as error:
        _messages(request, error)
    else:
        messages.success(request, f"{count} pin(s) removed; the plan is re-run.")
    return _back(edition)


@login_required
@require_POST
def commit(request, edition_id):
    edition = selectors.edition_for_staff(user=request.user, edition_id=edition_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the box to confirm the commit.")
        return _back(edition)
    try:
        committed = services.allocation_commit(edition=edition, by=request.user)
    except ValidationError as error:
        messages.error(request, "Nothing was committed.")
        _messages(request, error)
    else:
        messages.success(
            request,
            f"Committed: {committed.participants_created} participants, each emailed their cohort.",
        )
    return _back(edition)


@login_required
@require_POST
def place_new(request, edition_id):
    edition = selectors.edition_for_staff(user=request.user, edition_id=edition_id)
    try:
        placed = services.participants_place_new(edition=edition, by=request.user)
    except ValidationError as error:
        _messages(request, error)
    else:
        names = ", ".join(f"{p.person} → {p.cohort.name}" for p in placed)
        messages.success(request, f"Placed: {names}.")
    return _back(edition)


@login_required
@require_POST
def offer_next(request, edition_id):
    edition = selectors.edition_for_staff(user=request.user, edition_id=edition_id)
    try:
        application = decisions.waitlist_offer_next(edition=edition, by=request.user)
    except ValidationError as error:
        _messages(request, error)
    else:
        messages.success(request, f"The free place is offered to {application.reference_number}.")
    return _back(edition)


@login_required
@require_POST
def participant_move(request, pk):
    participant = selectors.participant_for_staff(user=request.user, pk=pk)
    form = MoveForm(request.POST, cohorts=Cohort.objects.filter(edition=participant.edition))
    if not form.is_valid():
        messages.error(request, "Choose one of this edition's cohorts.")
        return _back(participant.edition)
    try:
        services.participant_move(
            participant=participant,
            cohort=form.cleaned_data["cohort"],
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        _messages(request, error)
    else:
        messages.success(
            request, f"{participant.person} moved to {form.cleaned_data['cohort'].name}."
        )
    return _back(participant.edition)


@login_required
@require_POST
def participant_withdraw(request, pk):
    participant = selectors.participant_for_staff(user=request.user, pk=pk)
    form = StaffWithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for the withdrawal.")
        return _back(participant.edition)
    try:
        services.participant_withdraw(
            participant=participant, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        _messages(request, error)
    else:
        messages.success(request, f"{participant.person} has withdrawn; their place is free.")
    return _back(participant.edition)
