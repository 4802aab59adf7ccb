from django.contrib import admin
from import_export import fields, resources
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX

from .models import Application, Referee


class ReferencesCompleteFilter(admin.SimpleListFilter):
    title = "references"
    parameter_name = "references"

    def lookups(self, request, model_admin):
        return [("complete", "Both received"), ("incomplete", "Still waiting")]

    def queryset(self, request, queryset):
        if self.value() == "complete":
            return queryset.filter(references_received__gte=2)
        if self.value() == "incomplete":
            return queryset.filter(references_received__lt=2)
        return queryset


class ApplicationResource(resources.ModelResource):
    """What an export holds: the application, never equality-monitoring answers."""

    reference_number = fields.Field(attribute="reference_number", column_name="reference")
    name = fields.Field(attribute="applicant__get_full_name", column_name="name")
    email = fields.Field(attribute="applicant__email", column_name="email")
    edition = fields.Field(attribute="edition__name", column_name="edition")
    references_received = fields.Field(
        attribute="references_received", column_name="references received"
    )

    class Meta:
        model = Application
        fields = [
            "reference_number",
            "edition",
            "name",
            "email",
            "status",
            "submitted_at",
            "pronouns",
            "phone",
            "postcode",
            "region",
            "is_member",
            "membership_reference",
            "local_group",
            "clp",
            "trade_union",
            "organising_kinds",
            "experience",
            "project_title",
            "project_kind",
            "project_description",
            "project_involves",
            "project_success",
            "weekend_choice",
            "available_closing_day",
            "available_online_sessions",
            "has_device",
            "needs_travel_paid",
            "journey_time_a",
            "journey_time_b",
            "may_need_accommodation",
            "access_requirements",
            "references_received",
        ]
        export_order = fields


class RefereeInline(admin.StackedInline):
    model = Referee
    extra = 0
    can_delete = False
    fields = [
        "position",
        "name",
        "email",
        "phone",
        "organisation",
        "relationship",
        "known_for",
        "requested_at",
        "replaced_at",
        "reference_given",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reference")

    @admin.display(description="Reference")
    def reference_given(self, referee):
        reference = getattr(referee, "reference", None)
        if reference is None:
            return "Not received yet"
        if reference.declined:
            return f"Declined on {reference.submitted_at:%-d %B %Y}"
        return (
            f"Received {reference.submitted_at:%-d %B %Y}. "
            f"Recommendation: {reference.get_recommendation_display()}.\n\n"
            f"How they know the applicant: {reference.relationship} ({reference.known_for})\n\n"
            f"Commitment: {reference.commitment}\n\nExamples: {reference.examples}"
        )


@admin.register(Application)
class ApplicationAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [ApplicationResource]
    formats = [CSV, XLSX]
    list_display = [
        "reference_number",
        "applicant_name",
        "edition",
        "status",
        "region",
        "weekend_choice",
        "references",
        "submitted_at",
    ]
    list_filter = [
        "edition",
        "status",
        "region",
        "weekend_choice",
        ReferencesCompleteFilter,
    ]
    search_fields = [
        "applicant__first_name",
        "applicant__last_name",
        "applicant__email",
        "project_title",
    ]
    list_select_related = ["edition", "applicant"]
    inlines = [RefereeInline]
    fieldsets = [
        (None, {"fields": ["edition", "applicant", "status", "submitted_at", "withdrawn_at"]}),
        ("About", {"fields": ["pronouns", "phone", "postcode", "region"]}),
        (
            "Membership",
            {"fields": ["is_member", "membership_reference", "local_group", "clp", "trade_union"]},
        ),
        ("Organising", {"fields": ["organising_kinds", "experience"]}),
        (
            "Local project",
            {
                "fields": [
                    "project_title",
                    "project_kind",
                    "project_description",
                    "project_involves",
                    "project_success",
                ]
            },
        ),
        (
            "Availability",
            {
                "fields": [
                    "weekend_choice",
                    "available_closing_day",
                    "available_online_sessions",
                    "has_device",
                ]
            },
        ),
        (
            "Travel and access",
            {
                "fields": [
                    "needs_travel_paid",
                    "journey_time_a",
                    "journey_time_b",
                    "may_need_accommodation",
                    "access_requirements",
                ]
            },
        ),
        (
            "Consent",
            {"fields": ["consent_special_category", "privacy_notice_version", "consented_at"]},
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Applications are the applicant's words: staff read them, and change them only
        # through the workflows (decisions come with the review capability).
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).with_reference_counts()

    @admin.display(description="Applicant", ordering="applicant__last_name")
    def applicant_name(self, obj):
        return obj.applicant.get_full_name() or obj.applicant.email

    @admin.display(description="References", ordering="references_received")
    def references(self, obj):
        return f"{obj.references_received}/2"
