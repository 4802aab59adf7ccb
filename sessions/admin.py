"""The admin for the schedule: per-edition schedule settings are edited here; sessions,
registers and free-session requests are read here and changed on the staff schedule pages
(sessions.staff), which run every change through sessions.services and its checks."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .models import Attendance, FreeSessionRequest, ScheduleSettings, Session


@admin.register(ScheduleSettings)
class ScheduleSettingsAdmin(admin.ModelAdmin):
    list_display = ["edition", "joining_link_minutes", "at_risk_after_missed"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = ["title", "edition", "cohort", "part", "strand", "starts_at", "edit_link"]
    list_filter = ["edition", "part", "strand", "cohort"]
    list_select_related = ["edition", "cohort__edition"]
    search_fields = ["title"]

    @admin.display(description="Edit")
    def edit_link(self, session):
        url = reverse("schedule:session_edit", args=[session.pk])
        return format_html('<a href="{}">Edit on the schedule page</a>', url)


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["participant", "session", "status", "recorded_by", "recorded_at"]
    list_filter = ["session__edition", "status"]
    list_select_related = [
        "participant__person",
        "participant__cohort__edition",
        "session",
        "recorded_by",
    ]


@admin.register(FreeSessionRequest)
class FreeSessionRequestAdmin(ReadOnlyAdmin):
    list_display = ["topic", "kind", "cohort", "requested_by", "created_at", "session"]
    list_filter = ["cohort__edition", "kind"]
    list_select_related = [
        "cohort__edition",
        "requested_by__person",
        "requested_by__cohort__edition",
        "session",
    ]
