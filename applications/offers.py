"""The applicant's side of an offer: confirm (with the weekend they can come to) or decline."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from . import decisions
from .enums import OfferStatus
from .models import Application
from .review_forms import OfferForm


@login_required
@require_http_methods(["GET", "POST"])
def offer(request):
    application = (
        Application.objects.filter(applicant=request.user)
        .exclude(offer_status="")
        .select_related("edition")
        .order_by("-edition__year")
        .first()
    )
    if application is None:
        messages.info(request, "You have no offer to answer.")
        return redirect("applications:dashboard")
    form = OfferForm(request.POST or None, edition=application.edition)
    if request.method == "POST" and application.offer_status == OfferStatus.OFFERED:
        accept = request.POST.get("answer") == "confirm"
        if form.is_valid():
            try:
                decisions.offer_respond(
                    application=application,
                    by=request.user,
                    accept=accept,
                    weekend=form.cleaned_data["weekend"],
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.message_dict.items():
                        form.add_error(field, errors)
                else:
                    messages.error(request, " ".join(error.messages))
                    return redirect("applications:offer")
            else:
                messages.success(
                    request,
                    "Your place is confirmed. We will be in touch with your cohort and schedule."
                    if accept
                    else "You have declined your place. Thank you for letting us know.",
                )
                return redirect("applications:dashboard")
    return render(
        request,
        "applications/offer.html",
        {"application": application, "form": form, "edition": application.edition},
        status=400 if form.errors else 200,
    )
