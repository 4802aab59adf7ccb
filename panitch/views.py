import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from . import calendar
from .models import Edition

INFO_SESSION_LENGTH = dt.timedelta(hours=1)


def _application_of(user, edition):
    """The person's application to this edition (status only), without importing the
    applications app (it builds on this one): the reverse relation is enough."""
    if edition is None or not user.is_authenticated:
        return None
    return user.applications.filter(edition=edition).only("status").first()


def home(request):
    now = timezone.now()
    edition = Edition.objects.current(at=now)
    context = {
        "edition": edition,
        "is_open": edition is not None and edition.is_open_for_applications(at=now),
        "not_yet_open": edition is not None and now < edition.applications_open_at,
        "application": _application_of(request.user, edition),
    }
    if edition is not None:
        # One contact on the page: the edition's, in the footer too.
        context["contact_email"] = edition.contact_email
    return render(request, "panitch/home.html", context)


def info_session_ics(request):
    """The current edition's information session as a calendar file ("add to calendar")."""
    edition = Edition.objects.current()
    if edition is None or edition.info_session_at is None:
        raise Http404
    ics = calendar.event_ics(
        uid=f"info-session-{edition.year}@{urlsplit(settings.PANITCH_BASE_URL).hostname}",
        summary=f"{settings.PANITCH_PROGRAMME_NAME} {edition.name}: information session",
        starts=edition.info_session_at,
        ends=edition.info_session_at + INFO_SESSION_LENGTH,
        description=(
            f"A drop-in online information session about the {settings.PANITCH_PROGRAMME_NAME}. "
            f"Questions: {edition.contact_email}."
        ),
        location=edition.info_session_url,
        url=edition.info_session_url or settings.PANITCH_BASE_URL + reverse("home"),
    )
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="info-session-{edition.year}.ics"'
    return response


@login_required
def account(request):
    """Your account: email, password, sign out, and the application, in the site's words."""
    return render(request, "account/overview.html", {})
