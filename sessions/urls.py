from django.urls import path

from . import feeds

app_name = "schedule"

urlpatterns = [
    # --- Calendar feeds (remind) ---
    path("calendar/<str:token>.ics", feeds.calendar_feed, name="calendar_feed"),
    path("schedule/calendar/", feeds.calendar_page, name="calendar"),
    path("schedule/calendar/regenerate/", feeds.calendar_regenerate, name="calendar_regenerate"),
    path("schedule/calendar/revoke/", feeds.calendar_revoke, name="calendar_revoke"),
    # --- end calendar feeds ---
]
