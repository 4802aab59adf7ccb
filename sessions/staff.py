"""Programme admins' schedule pages: build the curriculum, edit a session, attach materials,
copy last year's curriculum (with a preview), completion and its CSV export."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from rules.contrib.views import permission_required

from panitch.exports import safe_row
from panitch.models import Edition

from . import selectors, services
from .forms import CopyForm, CurriculumSessionForm, MaterialForm, SessionForm, apply_errors
from .models import Material, Session
from .validation import closing_day_warning

manage = permission_required("schedule.manage_curriculum", raise_exception=True)


@login_required
@manage
def editions(request):
    # The latest edition with a schedule (its curriculum links to the others), else the one
    # people see now.
    edition = (
        Edition.objects.filter(sessions__isnull=False).order_by("-year").first()
        or Edition.objects.current()
    )
    if edition is None:
        return render(request, "sessions/staff/no_edition.html")
    return redirect("schedule:curriculum", edition_id=edition.pk)


@login_required
@manage
def curriculum(request, edition_id):
    edition = get_object_or_404(Edition, pk=edition_id)
    sessions = list(
        Session.objects.filter(edition=edition)
        .select_related("cohort", "edition")
        .prefetch_related("facilitators", "materials")
        .order_by("position", "cohort__name", "pk")
    )
    items = []
    for session in sessions:
        if items and items[-1][0] == session.position:
            items[-1][1].append(session)
        else:
            items.append((session.position, [session]))
    return render(
        request,
        "sessions/staff/curriculum.html",
        {
            "edition": edition,
            "editions": Edition.objects.order_by("-year"),
            "items": [(number, group) for number, (_, group) in enumerate(items, start=1)],
            "closing_warning": closing_day_warning(edition, sessions),
            "counts": _counts_per_cohort(edition, sessions),
        },
    )


def _counts_per_cohort(edition, sessions):
    shared = sum(1 for s in sessions if s.cohort_id is None and not s.cancelled_at)
    counts = {}
    for cohort in edition.cohorts.all():
        own = sum(1 for s in sessions if s.cohort_id == cohort.pk and not s.cancelled_at)
        counts[cohort.name] = own + shared
    return counts


@login_required
@manage
@require_http_methods(["GET", "POST"])
def curriculum_add(request, edition_id):
    edition = get_object_or_404(Edition, pk=edition_id)
    form = CurriculumSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.curriculum_session_add(
                edition=edition, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"“{created[0].title}” is in the curriculum"
                + (f" for {len(created)} cohorts." if len(created) > 1 else "."),
            )
            return redirect("schedule:curriculum", edition_id=edition.pk)
    return render(
        request,
        "sessions/staff/curriculum_add.html",
        {"edition": edition, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@manage
@require_POST
def curriculum_move(request, edition_id, position):
    edition = get_object_or_404(Edition, pk=edition_id)
    services.curriculum_move(
        edition=edition, position=position, up=request.POST.get("direction") == "up"
    )
    return redirect("schedule:curriculum", edition_id=edition.pk)


@login_required
@manage
@require_http_methods(["GET", "POST"])
def session_edit(request, pk):
    session = get_object_or_404(
        Session.objects.select_related("edition", "cohort").prefetch_related("materials"), pk=pk
    )
    form = SessionForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            change = (
                services.curriculum_item_update
                if form.cleaned_data["everywhere"]
                else services.session_update
            )
            change(session=session, by=request.user, **form.changes())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"“{form.cleaned_data['title']}” is saved.")
            return redirect("schedule:curriculum", edition_id=session.edition_id)
    return render(
        request,
        "sessions/staff/session_edit.html",
        {"session": session, "form": form, "material_form": MaterialForm(prefix="material")},
        status=400 if form.errors else 200,
    )


@login_required
@manage
@require_POST
def material_add(request, pk):
    session = get_object_or_404(Session.objects.select_related("edition"), pk=pk)
    form = MaterialForm(request.POST, request.FILES, prefix="material")
    if form.is_valid():
        try:
            services.material_add(session=session, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"“{form.cleaned_data['title']}” is attached.")
            return redirect("schedule:session_edit", pk=session.pk)
    return render(
        request,
        "sessions/staff/session_edit.html",
        {
            "session": session,
            "form": SessionForm(session=session),
            "material_form": form,
        },
        status=400,
    )


@login_required
@manage
@require_POST
def material_remove(request, pk):
    material = get_object_or_404(Material.objects.select_related("session"), pk=pk)
    session_pk = material.session_id
    services.material_remove(material=material, by=request.user)
    messages.success(request, f"“{material.title}” is removed.")
    return redirect("schedule:session_edit", pk=session_pk)


@login_required
@manage
@require_http_methods(["GET", "POST"])
def curriculum_copy(request, edition_id):
    """Choose a past edition, see every shifted date, then save (a second, explicit step)."""
    target = get_object_or_404(Edition, pk=edition_id)
    form = CopyForm(request.POST or request.GET or None, target=target)
    plan = None
    if form.is_bound and form.is_valid():
        plan = services.curriculum_copy_plan(source=form.cleaned_data["source"], target=target)
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            try:
                created = services.curriculum_copy(
                    source=form.cleaned_data["source"], target=target, by=request.user
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, f"{len(created)} sessions copied into {target}.")
                return redirect("schedule:curriculum", edition_id=target.pk)
    return render(
        request,
        "sessions/staff/curriculum_copy.html",
        {"target": target, "form": form, "plan": plan},
    )


@login_required
@permission_required("schedule.view_completion", raise_exception=True)
def completion(request, edition_id):
    edition = get_object_or_404(Edition, pk=edition_id)
    rows = selectors.completion(edition=edition)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="completion-{edition.year}.csv"'
        writer = csv.writer(response)
        writer.writerow(["Name", "Email", "Cohort", "Attended", "Sessions", "Missed", "At risk"])
        for row in rows:
            person = row.participant.person
            writer.writerow(
                safe_row(
                    [
                        person.get_full_name(),
                        person.email,
                        row.participant.cohort.name,
                        row.attended,
                        row.total,
                        row.missed,
                        "yes" if row.at_risk else "no",
                    ]
                )
            )
        return response
    return render(
        request,
        "sessions/staff/completion.html",
        {
            "edition": edition,
            "rows": rows,
            "at_risk": [row for row in rows if row.at_risk],
            "settings": selectors.settings_for(edition),
        },
    )
