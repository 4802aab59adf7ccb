"""Staff pages: the reviewer's list and review page, and the selection dashboard."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from rules.contrib.views import permission_required

from panitch.models import Edition

from . import dashboard, decisions, reviews
from .models import DecisionRelease
from .review_forms import ConflictForm, ReviewForm
from .tasks import release_decisions

FILTERS = {
    "todo": "Not yet reviewed by me",
    "references": "References complete",
}
# Programme admins read every application's reviews; decisions are theirs to see.
ADMIN_FILTERS = {
    "unreviewed": "Not reviewed yet",
    "references": "References complete",
    "undecided": "Needs a decision",
}


def _chosen_edition(request, applications, editions):
    """The edition asked for (?edition=<pk>, or "all"), else the newest with applications on
    this list, else the current one. Returns (edition or None for all, the parameter)."""
    asked = request.GET.get("edition", "")
    if asked == "all":
        return None, "all"
    if asked.isascii() and asked.isdigit() and len(asked) < 10:
        edition = next((e for e in editions if e.pk == int(asked)), None)
        if edition is None:
            raise Http404("No such edition on this list.")
        return edition, asked
    newest = applications.order_by("-edition__year").values_list("edition", flat=True).first()
    edition = next((e for e in editions if e.pk == newest), None) or Edition.objects.current()
    return edition, str(edition.pk) if edition else "all"


@login_required
@permission_required("applications.read_reviews", raise_exception=True)
def review_list(request):
    reading = not request.user.has_perm("applications.review_application")
    if reading:
        applications = reviews.for_reading()
        editions = list(Edition.objects.order_by("-year"))
        filters = ADMIN_FILTERS
    else:
        # Every edition still being decided, not just the "current" one: next year's edition
        # may open for applications while this year's are still being reviewed.
        applications = reviews.for_reviewer(reviewer=request.user).filter(
            edition__release__isnull=True
        )
        editions = list(Edition.objects.filter(release__isnull=True).order_by("-year"))
        filters = FILTERS
    edition, edition_param = _chosen_edition(request, applications, editions)
    if edition is not None:
        applications = applications.filter(edition=edition)
    active = request.GET.get("show", "")
    if active not in filters:
        active = ""
    if active == "todo":
        applications = applications.filter(reviewed_by_me=False)
    elif active == "unreviewed":
        applications = applications.filter(review_count=0)
    elif active == "references":
        applications = applications.filter(references_received__gte=2)
    elif active == "undecided":
        applications = applications.filter(decision="")
    return render(
        request,
        "applications/staff/review_list.html",
        {
            "applications": applications,
            "filters": filters,
            "active": active,
            "editions": editions,
            "edition": edition,
            "edition_param": edition_param,
            "reading": reading,
        },
    )


@login_required
@permission_required("applications.read_reviews", raise_exception=True)
@require_http_methods(["GET", "POST"])
def review_detail(request, pk):
    if not request.user.has_perm("applications.review_application"):
        return _review_reading(request, pk)
    application = reviews.for_review_page(reviewer=request.user, pk=pk)
    mine = next((r for r in application.reviews.all() if r.reviewer_id == request.user.pk), None)
    form = ReviewForm(request.POST or None, instance=mine)
    if request.method == "POST" and form.is_valid():
        try:
            reviews.review_submit(
                application=application, reviewer=request.user, scores=form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Your review of {application.reference_number} is saved.")
            return redirect("applications:review_detail", pk=application.pk)
    others = [r for r in application.reviews.all() if r.reviewer_id != request.user.pk]
    return render(
        request,
        "applications/staff/review_detail.html",
        {
            "application": application,
            "blind": application.edition.blind_review,
            "referees": application.active_referees,
            "form": form,
            "mine": mine,
            # Others' scores only once your own is in, so they cannot sway it.
            "others": others if mine else None,
            "summary": reviews.ScoreSummary.of(application.reviews.all()) if mine else None,
            "next": (
                reviews.next_to_review(reviewer=request.user, after=application) if mine else None
            ),
            "conflict_form": ConflictForm(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _review_reading(request, pk):
    """A programme admin reads an application and every review of it; nothing to score."""
    if request.method != "GET":
        raise PermissionDenied
    application = reviews.for_reading_page(pk=pk)
    return render(
        request,
        "applications/staff/review_detail.html",
        {
            "application": application,
            "blind": False,
            "referees": application.active_referees,
            "reading": True,
            "others": list(application.reviews.all()),
            "summary": reviews.ScoreSummary.of(application.reviews.all()),
        },
    )


@login_required
@permission_required("applications.review_application", raise_exception=True)
@require_POST
def review_conflict(request, pk):
    application = reviews.for_review_page(reviewer=request.user, pk=pk)
    form = ConflictForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        reviews.review_declare_conflict(
            application=application, reviewer=request.user, reason=reason
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("applications:review_detail", pk=application.pk)
    messages.success(
        request,
        f"Thank you. {application.reference_number} is off your list and your review of it, "
        "if any, is withdrawn.",
    )
    return redirect("applications:review_list")


@login_required
def selection_dashboard(request, edition_id=None):
    if not request.user.has_perm("applications.decide_application"):
        raise PermissionDenied
    edition = get_object_or_404(Edition, pk=edition_id) if edition_id else Edition.objects.current()
    if edition is None:
        raise PermissionDenied
    release = DecisionRelease.objects.filter(edition=edition).first()
    return render(
        request,
        "applications/staff/dashboard.html",
        {
            "edition": edition,
            "editions": Edition.objects.order_by("-year"),
            "figures": dashboard.figures(edition=edition),
            # Each number links to the admin's list of the applications it counts.
            "submitted_url": reverse("admin:applications_application_changelist")
            + f"?edition__id__exact={edition.pk}&status__exact=submitted",
            "release": release,
            # Counted only once there is a release to count.
            "release_counts": decisions.release_counts(edition=edition) if release else None,
            "places_free": decisions.places_free(edition=edition),
            "offers": decisions.offer_counts(edition=edition),
        },
    )


def _programme_admin_edition(request, edition_id):
    if not request.user.has_perm("applications.decide_application"):
        raise PermissionDenied
    return get_object_or_404(Edition, pk=edition_id)


@login_required
@require_POST
def assign_reviewers(request, edition_id):
    edition = _programme_admin_edition(request, edition_id)
    try:
        count = reviews.reviews_assign(edition=edition)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{count} new review assignment(s) made.")
        short = reviews.assignment_shortfall(edition=edition)
        if short:
            messages.warning(
                request,
                f"{short} application(s) still have fewer than "
                f"{edition.reviews_per_application} reviewers: there are not enough reviewers "
                "without a conflict of interest. Add reviewers, then assign again.",
            )
    return redirect("applications:selection_dashboard_for", edition_id=edition.pk)


@login_required
@require_http_methods(["GET", "POST"])
def release(request, edition_id):
    """Release decisions before their time, after a confirmation step."""
    edition = _programme_admin_edition(request, edition_id)
    missing = list(decisions.decisions_missing(edition=edition).select_related("edition"))
    released = DecisionRelease.objects.filter(edition=edition).first()
    if request.method == "POST" and not released and not missing:
        if request.POST.get("confirm") != edition.name:
            messages.error(request, f"Type {edition.name} to confirm the release.")
        else:
            release_decisions.delay_on_commit(edition_id=edition.pk, by_id=request.user.pk)
            messages.success(
                request,
                "The release has started: every applicant is being sent their outcome email.",
            )
            return redirect("applications:selection_dashboard_for", edition_id=edition.pk)
    return render(
        request,
        "applications/staff/release.html",
        {
            "edition": edition,
            "missing": missing,
            "released": released,
            "submitted": decisions.Application.objects.filter(
                edition=edition, status="submitted"
            ).count(),
        },
    )


@login_required
@require_POST
def offer_next(request, edition_id):
    edition = _programme_admin_edition(request, edition_id)
    try:
        application = decisions.waitlist_offer_next(edition=edition, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The free place is offered to {application.reference_number}.")
    return redirect("applications:selection_dashboard_for", edition_id=edition.pk)
