"""The admin for cohorts: programme admins only (facilitators are not staff, so they have
their roster pages instead). Facilitator choices are limited to people with that role."""

from django.contrib import admin

from panitch.enums import Role
from panitch.models import User

from .models import AllocationCommit, AllocationPin, Cohort, Participant, ParticipantChange


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "edition", "weekend", "venue_city", "capacity"]
    list_filter = ["edition", "weekend"]
    search_fields = ["name", "venue_city", "venue_name"]
    filter_horizontal = ["facilitators"]
    fieldsets = [
        (None, {"fields": ["edition", "name", "weekend", "capacity"]}),
        (
            "Venue",
            {"fields": ["venue_city", "venue_name", "venue_address", "venue_access_notes"]},
        ),
        ("Facilitators", {"fields": ["facilitators"]}),
    ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "facilitators":
            kwargs["queryset"] = User.objects.filter(groups__name=Role.FACILITATOR.value)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ParticipantChangeInline(admin.TabularInline):
    model = ParticipantChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "kind", "from_cohort", "to_cohort", "reason", "changed_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    """Read-only here: moves and withdrawals go through the allocation page, so they are
    audited and emailed."""

    list_display = ["person", "edition", "cohort", "status", "joined_at"]
    list_filter = ["edition", "cohort", "status"]
    search_fields = ["person__first_name", "person__last_name", "person__email"]
    list_select_related = ["person", "edition", "cohort"]
    inlines = [ParticipantChangeInline]
    readonly_fields = [
        "edition",
        "person",
        "application",
        "cohort",
        "status",
        "joined_at",
        "withdrawn_at",
        "withdrawn_by",
        "withdrawal_reason",
        "share_contact",
        "dietary_needs",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ParticipantChange)
class ParticipantChangeAdmin(admin.ModelAdmin):
    list_display = ["participant", "kind", "from_cohort", "to_cohort", "changed_at", "changed_by"]
    list_filter = ["kind"]
    list_select_related = [
        "participant__person",
        "participant__cohort",
        "from_cohort",
        "to_cohort",
        "changed_by",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AllocationCommit)
class AllocationCommitAdmin(admin.ModelAdmin):
    list_display = ["edition", "committed_at", "committed_by", "participants_created", "status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AllocationPin)
class AllocationPinAdmin(admin.ModelAdmin):
    list_display = ["application", "cohort", "pinned_by", "pinned_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
