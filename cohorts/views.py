"""Participants' "my cohort", facilitators' rosters and their exports."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods

from panitch.exports import safe_row

from . import selectors, services
from .forms import PreferencesForm, WithdrawForm

ROSTER_HEADINGS = [
    "Name",
    "Pronouns",
    "Email",
    "Phone",
    "Local group",
    "CLP",
    "Trade union",
    "Project",
    "Access requirements",
    "Dietary needs",
]


@login_required
@require_http_methods(["GET", "POST"])
def mine(request):
    cohort = selectors.my_cohort(user=request.user)
    if cohort is None:
        return render(request, "cohorts/no_cohort.html", status=404)
    form = PreferencesForm(request.POST or None, instance=cohort.participant)
    if request.method == "POST" and form.is_valid():
        services.participant_update_preferences(
            participant=cohort.participant,
            by=request.user,
            share_contact=form.cleaned_data["share_contact"],
            dietary_needs=form.cleaned_data["dietary_needs"],
        )
        messages.success(request, "Thank you: your answers are saved.")
        return redirect("cohorts:mine")
    return render(
        request,
        "cohorts/mine.html",
        {"mine": cohort, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request):
    participant = selectors.participation_for(user=request.user)
    if participant is None:
        raise Http404("No place to give up.")
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_withdraw(
                participant=participant, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "You have left the programme. Thank you for letting us know.")
            return redirect("home")
    return render(
        request,
        "cohorts/withdraw.html",
        {"participant": participant, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def roster_list(request):
    cohorts = selectors.cohorts_for_roster(user=request.user).order_by(
        "-edition__year", "weekend", "name"
    )
    return render(request, "cohorts/roster_list.html", {"cohorts": cohorts})


@login_required
def roster(request, pk):
    return render(
        request, "cohorts/roster.html", {"roster": selectors.roster(user=request.user, pk=pk)}
    )


@login_required
def sign_in_sheet(request, pk):
    return render(
        request,
        "cohorts/sign_in_sheet.html",
        {"roster": selectors.roster(user=request.user, pk=pk)},
    )


def _roster_rows(roster):
    yield ROSTER_HEADINGS + [column.label for column in roster.columns]
    for participant, extra in roster.rows():
        application = participant.application
        yield safe_row(
            [
                participant.person.get_full_name(),
                application.pronouns,
                participant.person.email,
                application.phone,
                application.local_group,
                application.clp,
                application.trade_union,
                application.project_title,
                application.access_requirements,
                participant.dietary_needs,
                *(value for _, value in extra),
            ]
        )


@login_required
def roster_export(request, pk, fmt):
    roster = selectors.roster(user=request.user, pk=pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404("Export as roster.csv or roster.xlsx.")
    filename = f"roster-{slugify(roster.cohort.edition.name)}-{slugify(roster.cohort.name)}"
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        writer = csv.writer(response)
        writer.writerows(_roster_rows(roster))
        return response
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(roster.cohort.name[:31] or "Roster")
    for row in _roster_rows(roster):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
