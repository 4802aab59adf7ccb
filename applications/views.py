from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from panitch.models import Edition

from . import privacy, selectors, services
from .enums import ApplicationStatus
from .forms import ReferenceForm
from .progress import progress_html
from .steps import BY_SLUG, STEPS, step_after, step_before


def _closed(request, edition, application=None):
    edition = edition or Edition.objects.current()
    if application is None and edition is not None and request.user.is_authenticated:
        # So the owner of an unsubmitted draft is told why it can no longer be submitted.
        application = selectors.application_for(user=request.user, edition=edition)
    return render(
        request,
        "applications/closed.html",
        {
            "edition": edition,
            "application": application,
            "not_yet_open": edition is not None and timezone.now() < edition.applications_open_at,
        },
    )


def _first_missing_step(application):
    missing = services.missing_steps(application) if application else [STEPS[0].slug]
    return missing[0] if missing else None


@login_required
def apply(request):
    """Start, or carry on where you left off."""
    edition, application = selectors.open_application_for(user=request.user)
    if edition is None:
        return _closed(request, None)
    if application and application.status == ApplicationStatus.WITHDRAWN:
        return redirect("applications:dashboard")
    slug = _first_missing_step(application)
    if slug:
        return redirect("applications:step", slug=slug)
    return redirect("applications:review")


@login_required
@require_http_methods(["GET", "POST"])
def step(request, slug):
    current = BY_SLUG.get(slug)
    if current is None:
        raise Http404
    edition, application = selectors.open_application_for(
        user=request.user,
        only=current.application_fields,
        with_referees=slug == "referees",
        with_equality=slug == "equality",
    )
    if edition is None:
        return _closed(request, None)
    if application and application.status == ApplicationStatus.WITHDRAWN:
        messages.info(request, "You withdrew this application, so it cannot be changed.")
        return redirect("applications:dashboard")

    # "Save and come back later" on a draft keeps a half-finished step as typed.
    draft = (
        request.method == "POST"
        and "save_and_exit" in request.POST
        and (application is None or application.status == ApplicationStatus.DRAFT)
    )
    loaded = {}
    if slug == "equality" and application is not None:
        loaded["answers"] = application.equality_answers  # fetched with the application
    form = current.form_class(
        request.POST if request.method == "POST" else None,
        application=application,
        edition=edition,
        user=request.user,
        draft=draft,
        **loaded,
    )
    if request.method == "POST" and form.is_valid():
        complete = not draft
        if draft:
            # Saved for later but complete all the same: then it counts as done.
            full = current.form_class(
                request.POST, application=application, edition=edition, user=request.user, **loaded
            )
            if full.is_valid():
                form, complete = full, True
        try:
            saved = services.application_save_step(
                edition=edition, user=request.user, slug=slug, form=form, complete=complete
            )
        except services.RefereeChangeRefused as refused:
            form.add_error(refused.position, "email", refused.message)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("applications:dashboard")
        else:
            for referee in saved.asked_referees:
                messages.success(
                    request,
                    f"We have emailed {referee.name} at {referee.email} to ask for a reference.",
                )
            if "save_and_exit" in request.POST:
                messages.success(request, "Your answers are saved. Come back any time to carry on.")
                return redirect("applications:dashboard")
            following = step_after(slug)
            return (
                redirect("applications:step", slug=following.slug)
                if following
                else redirect("applications:review")
            )

    completed = application.completed_steps if application else []
    return render(
        request,
        "applications/step.html",
        {
            "edition": edition,
            "application": application,
            "step": current,
            "form": form,
            "progress": progress_html(
                slug=slug, completed=completed, linked=application is not None
            ),
            "previous": step_before(slug),
            "privacy_version": privacy.APPLICANT_NOTICE_VERSION,
            "join_url": settings.PANITCH_JOIN_URL,
            "step_count": len(STEPS),
            # Only once submitted has anyone been asked: a draft has nothing to show. The
            # states came with the application, in its one query.
            "referee_states": application.referee_states
            if slug == "referees"
            and application is not None
            and application.status == ApplicationStatus.SUBMITTED
            else [],
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def review(request):
    edition, application = selectors.open_application_for(user=request.user)
    if edition is None:
        return _closed(request, None)
    if application is None:
        return redirect("applications:apply")
    if application.status == ApplicationStatus.WITHDRAWN:
        return redirect("applications:dashboard")
    if request.method == "POST":
        try:
            services.application_submit(application=application, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("applications:review")
        messages.success(
            request,
            "Your application is submitted. We have emailed you a confirmation and asked your "
            "referees for their references.",
        )
        return redirect("applications:dashboard")
    return render(
        request,
        "applications/review.html",
        {
            "edition": edition,
            "application": application,
            "referees": application.active_referees,
            "progress": progress_html(
                slug=None, completed=application.completed_steps, linked=True
            ),
            "missing": [BY_SLUG[s] for s in services.missing_steps(application)],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request):
    edition = selectors.open_edition() or Edition.objects.current()
    application = edition and selectors.application_for(user=request.user, edition=edition)
    if application is None or application.status == ApplicationStatus.WITHDRAWN:
        return redirect("applications:dashboard")
    if request.method == "POST":
        services.application_withdraw(application=application, by=request.user)
        messages.success(request, "Your application is withdrawn. We will not consider it.")
        return redirect("applications:dashboard")
    return render(request, "applications/withdraw.html", {"application": application})


@login_required
def dashboard(request):
    now = timezone.now()
    applications = selectors.with_referee_states(
        list(selectors.applications_for_dashboard(user=request.user))
    )
    for application in applications:
        application.is_open = application.edition.is_open_for_applications(at=now)
    open_edition = selectors.open_edition()
    return render(
        request,
        "applications/dashboard.html",
        {
            "applications": applications,
            "can_start": open_edition is not None
            and all(a.edition_id != open_edition.pk for a in applications),
        },
    )


@require_http_methods(["GET", "POST"])
def reference(request, token):
    referee = selectors.referee_for_token(token)
    if referee is None:
        return render(request, "applications/reference_not_found.html", status=404)
    context = {
        "referee": referee,
        "application": referee.application,
        "applicant_name": referee.application.applicant.get_full_name()
        or referee.application.applicant.email,
        "edition": referee.application.edition,
    }
    if hasattr(referee, "reference"):
        return render(request, "applications/reference_done.html", context)
    if not selectors.reference_is_needed(referee):
        return render(request, "applications/reference_not_needed.html", context, status=410)
    if not services.referee_is_answerable(referee, at=timezone.now()):
        return render(request, "applications/reference_expired.html", context, status=410)

    if request.method == "POST" and "decline" in request.POST:
        # Declining cannot be undone, so it asks once more first (a page, not a script).
        return render(request, "applications/reference_decline.html", context)
    declining = request.method == "POST" and "decline_confirmed" in request.POST
    form = ReferenceForm(request.POST if request.method == "POST" and not declining else None)
    if declining or (request.method == "POST" and form.is_valid()):
        try:
            services.reference_submit(referee=referee, form=form, declined=declining)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("applications:reference", token=token)
    return render(
        request,
        "applications/reference_form.html",
        {**context, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def privacy_notice(request):
    return render(
        request,
        f"applications/privacy_{privacy.APPLICANT_NOTICE_VERSION}.html",
        {"version": privacy.APPLICANT_NOTICE_VERSION},
    )


def referee_privacy_notice(request):
    return render(
        request,
        f"applications/reference_privacy_{privacy.REFEREE_NOTICE_VERSION}.html",
        {"version": privacy.REFEREE_NOTICE_VERSION},
    )
