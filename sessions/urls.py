from django.urls import path

from . import feeds, staff, views

app_name = "schedule"

urlpatterns = [
    # --- Calendar feeds (remind) ---
    path("calendar/<str:token>.ics", feeds.calendar_feed, name="calendar_feed"),
    path("schedule/calendar/", feeds.calendar_page, name="calendar"),
    path("schedule/calendar/regenerate/", feeds.calendar_regenerate, name="calendar_regenerate"),
    path("schedule/calendar/revoke/", feeds.calendar_revoke, name="calendar_revoke"),
    # --- end calendar feeds ---
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/sessions/<int:pk>/", views.session_detail, name="session"),
    path("schedule/sessions/<int:pk>/register/", views.register, name="register"),
    path("schedule/materials/<int:pk>/", views.material_download, name="material"),
    path("schedule/free-sessions/", views.free_sessions, name="free_sessions"),
    path("schedule/free-sessions/<int:pk>/support/", views.free_support, name="free_support"),
    path("schedule/free-sessions/<int:pk>/schedule/", views.free_schedule, name="free_schedule"),
    path("staff/schedule/", staff.editions, name="editions"),
    path("staff/schedule/<int:edition_id>/", staff.curriculum, name="curriculum"),
    path("staff/schedule/<int:edition_id>/add/", staff.curriculum_add, name="curriculum_add"),
    path("staff/schedule/<int:edition_id>/copy/", staff.curriculum_copy, name="curriculum_copy"),
    path(
        "staff/schedule/<int:edition_id>/move/<int:position>/",
        staff.curriculum_move,
        name="curriculum_move",
    ),
    path("staff/schedule/<int:edition_id>/completion/", staff.completion, name="completion"),
    path("staff/schedule/sessions/<int:pk>/", staff.session_edit, name="session_edit"),
    path("staff/schedule/sessions/<int:pk>/materials/", staff.material_add, name="material_add"),
    path(
        "staff/schedule/materials/<int:pk>/remove/", staff.material_remove, name="material_remove"
    ),
]
