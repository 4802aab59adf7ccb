"""Participants' and facilitators' pages: the schedule, a session, its materials, the register
and free sessions. Every session is reached through selectors scoped to the person asking, so
another cohort's session answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from cohorts.models import Cohort, Participant

from . import selectors, services
from .enums import AttendanceStatus
from .forms import AttendanceForm, FreeRequestForm, FreeScheduleForm, apply_errors, slot_label
from .models import Attendance, FreeSessionRequest, Material, Session


def _session_or_404(reach, pk):
    try:
        return selectors.session_for_page(reach, pk=pk)
    except Session.DoesNotExist:
        raise Http404 from None


@login_required
def schedule(request):
    reach = selectors.reach_of(request.user)
    return render(
        request,
        "sessions/schedule.html",
        {"schedule": selectors.schedule_for(reach), "reach": reach},
    )


@login_required
def session_detail(request, pk):
    reach = selectors.reach_of(request.user)
    session = _session_or_404(reach, pk)
    now = timezone.now()
    link = selectors.joining_link(
        session, lead=selectors.settings_for(session.edition).joining_link_lead, at=now
    )
    facilitator_ids = {f.pk for f in session.facilitators.all()}
    attendance = None
    if reach.participant and services.takes_part(reach.participant, session):
        attendance = session.attendance.filter(participant=reach.participant).first()
    return render(
        request,
        "sessions/session.html",
        {
            "session": session,
            "link": link,
            "attendance": attendance,
            "cohort_facilitators": session.cohort.facilitators.all() if session.cohort else [],
            "can_take_register": selectors.leads(reach, session, facilitator_ids),
            "register_open": services.register_is_open(session, at=now),
        },
    )


@login_required
def material_download(request, pk):
    """A session's file, only to those who may see the session: never a public URL."""
    reach = selectors.reach_of(request.user)
    material = get_object_or_404(
        Material.objects.filter(session__in=selectors.sessions_for(reach)).exclude(file=""),
        pk=pk,
    )
    try:
        handle = material.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=material.file.name.rsplit("/", 1)[-1])


@login_required
@require_http_methods(["GET", "POST"])
def register(request, pk):
    reach = selectors.reach_of(request.user)
    try:
        session = selectors.register_session(reach, pk=pk)
    except Session.DoesNotExist:
        raise Http404 from None
    if not services.register_is_open(session):
        status = 400 if request.method == "POST" else 200
        return render(request, "sessions/register_closed.html", {"session": session}, status=status)
    rows = selectors.register_rows(reach, session)
    if request.method == "POST":
        form = AttendanceForm(request.POST)
        by_pk = {p.pk: p for p, _ in rows}
        if form.is_valid() and form.cleaned_data["participant"] in by_pk:
            participant = by_pk[form.cleaned_data["participant"]]
            try:
                services.attendance_record(
                    session=session,
                    participant=participant,
                    status=form.cleaned_data["status"],
                    by=request.user,
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                label = AttendanceStatus(form.cleaned_data["status"]).label
                if request.headers.get("X-Requested-With") == "fetch":
                    # static/js/register.js: update the row in place.
                    recorded = Attendance.objects.filter(
                        session=session, participant__in=by_pk
                    ).count()
                    return JsonResponse(
                        {
                            "status": form.cleaned_data["status"],
                            "label": label,
                            "count": f"{recorded} of {len(rows)} recorded.",
                        }
                    )
                messages.success(request, f"{participant.person}: {label.lower()}.")
            url = reverse("schedule:register", args=[session.pk])
            return redirect(f"{url}#participant-{participant.pk}")
        messages.error(request, "Choose one of the four buttons for a person on this register.")
        return redirect("schedule:register", pk=session.pk)
    return render(
        request,
        "sessions/register.html",
        {
            "session": session,
            "rows": rows,
            "statuses": AttendanceStatus.choices,
            "recorded": sum(1 for _, entry in rows if entry),
        },
    )


# --- Free sessions ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def free_sessions(request):
    reach = selectors.reach_of(request.user)
    participant = reach.participant
    if participant is None and not reach.facilitated_cohort_ids and not reach.is_admin:
        raise Http404
    form = None
    is_open = participant is not None and services.free_requests_open(participant.cohort)
    if participant is not None and is_open:
        form = FreeRequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.free_request_create(participant=participant, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Thank you: your cohort can now see and support it.")
                return redirect("schedule:free_sessions")
    cohort_ids = reach.cohort_ids
    if reach.is_admin:
        cohort_ids = Cohort.objects.values_list("pk", flat=True)
    requests = list(selectors.free_requests_for(cohort_ids=cohort_ids, participant=participant))
    # Facilitators (of the request's cohort) and admins may turn a request into a free slot.
    leads_cohorts = None if reach.is_admin else set(reach.facilitated_cohort_ids)
    slots_by_cohort = {}
    for item in requests:
        item.can_schedule = leads_cohorts is None or item.cohort_id in leads_cohorts
        if item.can_schedule:
            if item.cohort_id not in slots_by_cohort:
                slots = selectors.free_slots(cohort=item.cohort)
                slots_by_cohort[item.cohort_id] = [(s.pk, slot_label(s)) for s in slots]
            item.slots = slots_by_cohort[item.cohort_id]
    return render(
        request,
        "sessions/free_sessions.html",
        {
            "form": form,
            "participant": participant,
            "is_open": is_open,
            "requests": requests,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_POST
def free_support(request, pk):
    participant = get_object_or_404(Participant.objects.active(), person=request.user)
    item = get_object_or_404(FreeSessionRequest, pk=pk, cohort_id=participant.cohort_id)
    try:
        services.free_request_support(request=item, participant=participant)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"You support “{item.topic}”.")
    return redirect("schedule:free_sessions")


@login_required
@require_POST
def free_schedule(request, pk):
    reach = selectors.reach_of(request.user)
    scope = FreeSessionRequest.objects.select_related("cohort")
    if not reach.is_admin:
        scope = scope.filter(cohort_id__in=reach.facilitated_cohort_ids)
    item = get_object_or_404(scope, pk=pk)
    form = FreeScheduleForm(
        request.POST, slots=selectors.free_slots(cohort=item.cohort), prefix=f"r{item.pk}"
    )
    if not form.is_valid():
        messages.error(request, "Choose one of this cohort's free slots.")
        return redirect("schedule:free_sessions")
    try:
        services.free_request_schedule(
            request=item, session=form.cleaned_data["session"], by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("schedule:free_sessions")
    messages.success(request, f"“{item.topic}” is now a session; its supporters are told.")
    return redirect("schedule:session", pk=form.cleaned_data["session"].pk)
