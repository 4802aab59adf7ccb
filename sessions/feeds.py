"""The calendar feed itself (a secret URL, no sign-in) and the page that manages it."""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseNotFound
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_GET, require_POST, require_safe

from . import calendar_feeds
from .calendar import calendar_ics
from .models import CalendarFeed

NOT_FOUND = "Not found.\n"


def _private(response, *, referrer="no-referrer"):
    # A feed's URL is its secret: never cached by a proxy, never sent on as a referrer. (The
    # page showing it keeps same-origin referrers: its forms' CSRF check needs the origin.)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = referrer
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def calendar_feed(request, token):
    """A wrong, revoked or never-made token all get this same 404. Calendar apps poll: an
    unchanged feed answers 304 to If-None-Match."""
    feed = calendar_feeds.feed_for_token(token)
    if feed is None:
        return _private(HttpResponseNotFound(NOT_FOUND, content_type="text/plain; charset=utf-8"))
    body = calendar_ics(calendar_feeds.feed_sessions(feed), name=calendar_feeds.feed_name(feed))
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="panitch.ics"'
    response["ETag"] = etag
    return _private(response)


def _links(feed: CalendarFeed | None) -> dict | None:
    if feed is None or feed.revoked_at is not None:
        return None
    webcal = calendar_feeds.webcal_url(feed)
    return {
        "url": calendar_feeds.feed_url(feed),
        "webcal": webcal,
        "google": f"https://calendar.google.com/calendar/render?cid={webcal}",
    }


@login_required
@require_GET
def calendar_page(request):
    person_feed = CalendarFeed.objects.filter(owner=request.user).first()
    cohorts = [
        {
            "cohort": cohort,
            "links": _links(getattr(cohort, "calendar_feed", None)),
            "field_id": f"cohort-calendar-link-{cohort.pk}",
            "label": f"Private link to the {cohort.name} cohort calendar",
        }
        for cohort in calendar_feeds.facilitated_cohorts(request.user)
    ]
    response = render(
        request,
        "sessions/calendar.html",
        {
            "has_schedule": calendar_feeds.has_schedule(request.user),
            "person_links": _links(person_feed),
            "person_feed_revoked": bool(person_feed and person_feed.revoked_at),
            "cohorts": cohorts,
        },
    )
    return _private(response, referrer="same-origin")


def _feed_target(request) -> dict:
    """Whose feed the form is about: the person's own, or a cohort they facilitate (else 404)."""
    cohort_id = request.POST.get("cohort", "")
    if not cohort_id:
        if not calendar_feeds.has_schedule(request.user):
            raise Http404
        return {"owner": request.user}
    if not (cohort_id.isascii() and cohort_id.isdigit()) or len(cohort_id) > 18:
        raise Http404
    return {
        "cohort": get_object_or_404(calendar_feeds.facilitated_cohorts(request.user), pk=cohort_id)
    }


@login_required
@require_POST
def calendar_regenerate(request):
    target = _feed_target(request)
    existed = CalendarFeed.objects.filter(**target).exists()
    calendar_feeds.feed_regenerate(**target)
    messages.success(
        request,
        "Your calendar has a new link. Calendars subscribed to the old one stop updating: "
        "subscribe them again with this one."
        if existed
        else "Your calendar link is ready.",
    )
    return redirect("schedule:calendar")


@login_required
@require_POST
def calendar_revoke(request):
    target = _feed_target(request)
    feed = CalendarFeed.objects.filter(**target).first()
    if feed is not None:
        calendar_feeds.feed_revoke(feed=feed)
    messages.success(request, "The calendar link no longer works. You can make a new one.")
    return redirect("schedule:calendar")
