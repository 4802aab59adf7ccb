"""Private calendar feeds: making, finding, regenerating and revoking them, and what they hold.

A feed's URL is /calendar/<feed id>-<token>.ics, where the token is an HMAC (keyed with
SECRET_KEY) of the feed's id and its random salt. Nothing readable is stored: the database
holds the salt, which is useless without the key, so staff (and the admin) can never build a
working URL, while the owner's page rebuilds it on every visit. A token made with a key in
SECRET_KEY_FALLBACKS still works, so rotating the key does not break subscriptions at once.
"""

import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from cohorts.models import Cohort, Participant

from .models import CalendarFeed, Session

KEY_SALT = "sessions.CalendarFeed"
TOKEN_LENGTH = 40  # hex digits: 160 bits


def _token(feed: CalendarFeed, *, secret: str) -> str:
    value = f"{feed.pk}:{feed.salt}"
    return salted_hmac(KEY_SALT, value, secret=secret, algorithm="sha256").hexdigest()[
        :TOKEN_LENGTH
    ]


def feed_path(feed: CalendarFeed) -> str:
    return reverse(
        "schedule:calendar_feed",
        kwargs={"token": f"{feed.pk}-{_token(feed, secret=settings.SECRET_KEY)}"},
    )


def feed_url(feed: CalendarFeed) -> str:
    """The feed's secret https URL: show it only to the feed's owner."""
    return f"{settings.PANITCH_BASE_URL}{feed_path(feed)}"


def webcal_url(feed: CalendarFeed) -> str:
    """The same URL as webcal://, which calendar apps open as a subscription."""
    return "webcal://" + feed_url(feed).split("://", 1)[1]


def feed_for_token(token: str) -> CalendarFeed | None:
    """The live feed this token opens, or None: wrong, revoked and unknown look the same."""
    pk, _, digest = token.partition("-")
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not (pk.isascii() and pk.isdigit()) or len(pk) > 18 or len(digest) != TOKEN_LENGTH:
        return None
    feed = (
        CalendarFeed.objects.filter(pk=int(pk), revoked_at__isnull=True)
        .select_related("owner", "cohort__edition")
        .first()
    )
    if feed is None:
        return None
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if any(constant_time_compare(digest, _token(feed, secret=key)) for key in keys):
        return feed
    return None


@transaction.atomic
def feed_regenerate(*, owner=None, cohort: Cohort | None = None) -> CalendarFeed:
    """Make the person's (or the cohort's) feed, or give it a new URL: the old one dies now."""
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(
        owner=owner, cohort=cohort, defaults={"salt": secrets.token_hex(32)}
    )
    if not created:
        feed.salt = secrets.token_hex(32)
        feed.regenerated_at = timezone.now()
        feed.revoked_at = None
        feed.save(update_fields=["salt", "regenerated_at", "revoked_at"])
    return feed


@transaction.atomic
def feed_revoke(*, feed: CalendarFeed) -> CalendarFeed:
    """Stop the feed: its URL answers 404 until a new one is made."""
    feed = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
    if feed.revoked_at is None:
        feed.salt = secrets.token_hex(32)  # a later regenerate never brings the old URL back
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["salt", "revoked_at"])
    return feed


def person_sessions(user):
    """Every session of the person's schedule: their cohorts' and the shared ones as a
    participant, and as a facilitator the sessions they lead or of the cohorts they
    facilitate. Subqueries, so the whole schedule is one query."""
    places = Participant.objects.active().filter(person=user)
    led_cohorts = Cohort.facilitators.through.objects.filter(user=user)
    led_sessions = Session.facilitators.through.objects.filter(user=user)
    return Session.objects.filter(
        Q(cohort_id__in=places.values("cohort_id"))
        | Q(cohort__isnull=True, edition_id__in=places.values("edition_id"))
        | Q(cohort_id__in=led_cohorts.values("cohort_id"))
        | Q(cohort__isnull=True, edition_id__in=led_cohorts.values("cohort__edition_id"))
        | Q(pk__in=led_sessions.values("session_id"))
    )


def feed_sessions(feed: CalendarFeed):
    """The dated sessions a feed shows (cancelled ones too, marked so), in order."""
    sessions = (
        person_sessions(feed.owner) if feed.owner_id else Session.objects.for_cohort(feed.cohort)
    )
    return sessions.dated().select_related("edition", "cohort").order_by("starts_at", "pk")


def feed_name(feed: CalendarFeed) -> str:
    if feed.owner_id:
        return f"{settings.PANITCH_PROGRAMME_NAME}: your sessions"
    return f"{settings.PANITCH_PROGRAMME_NAME}: {feed.cohort.name} cohort"


def has_schedule(user) -> bool:
    """Whether the person has sessions to subscribe to: a place, or a cohort or session to
    facilitate."""
    return (
        Participant.objects.active().filter(person=user).exists()
        or user.facilitated_cohorts.exists()
        or user.facilitated_sessions.exists()
    )


def facilitated_cohorts(user):
    """The cohorts whose shared feed this person may see and manage: the ones they facilitate."""
    return user.facilitated_cohorts.select_related("edition", "calendar_feed").order_by(
        "-edition__year", "name"
    )
