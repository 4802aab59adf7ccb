import uuid

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Avg, F, Max, Min, OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from import_export import fields, resources
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX

from panitch import outbox
from panitch.exports import safe_cell

from . import decisions, reviews
from .enums import Decision, JourneyTime
from .models import (
    Application,
    DecisionChange,
    DecisionRelease,
    OutcomeEmail,
    Referee,
    Review,
    ReviewAssignment,
)


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

    def export_field(self, field, instance, **kwargs):
        # Every cell may hold what a person typed: none may start a formula.
        return safe_cell(super().export_field(field, instance, **kwargs))

    def dehydrate_organising_kinds(self, application):
        return ", ".join(application.organising_kind_labels)

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

    blind = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        hidden = set()
        if not _is_programme_admin(request):
            # Reviewing needs who a referee is, not how to reach them (the review page agrees).
            hidden |= {"email", "phone"}
        if self.blind:
            hidden |= {"name", "email", "phone"}
        return [f for f in self.fields if f not in hidden]

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


class DecisionFilter(admin.SimpleListFilter):
    title = "decision"
    parameter_name = "decision"

    def lookups(self, request, model_admin):
        return [("none", "No decision yet"), *Decision.choices]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(decision="")
        if self.value() in Decision.values:
            return queryset.filter(decision=self.value())
        return queryset


class ReadOnlyTabularInline(admin.TabularInline):
    """A history table: no add, change or delete, so no empty header cells for them."""

    template = "admin/edit_inline/tabular_readonly.html"
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReviewInline(ReadOnlyTabularInline):
    model = Review
    fields = [
        "reviewer",
        "commitment",
        "experience",
        "project",
        "potential",
        "total",
        "recommendation",
        "comment",
        "submitted_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewer")


class DecisionChangeInline(ReadOnlyTabularInline):
    model = DecisionChange
    verbose_name_plural = "decision history"
    fields = ["changed_at", "decision", "waitlist_rank", "changed_by", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


def _is_programme_admin(request) -> bool:
    return request.user.has_perm("applications.decide_application")


def _score_stat(function):
    total = F("commitment") + F("experience") + F("project") + F("potential")
    return Subquery(
        Review.objects.filter(application=OuterRef("pk"))
        .values("application")
        .annotate(value=function(total))
        .values("value")[:1]
    )


IDENTIFYING = {"applicant", "pronouns", "phone", "postcode", "membership_reference"}
# Reviewing needs none of these: how someone travels and what access they need (which may be
# health data), their consent record, and where exactly they live or their membership number.
NOT_FOR_REVIEWERS = {
    "postcode",
    "membership_reference",
    "withdrawn_at",
    "needs_travel_paid",
    "journey_times",
    "may_need_accommodation",
    "access_requirements",
    "consent_special_category",
    "privacy_notice_version",
    "consented_at",
}
# What a reviewer may filter the list on, by the resolved field path (so ?applicant_id=,
# ?decided_by_id__isnull= and ?decision_changes__isnull= are refused like ?applicant=), and
# the list's own filters by their parameter name.
REVIEWER_LOOKUPS = {("edition",), ("edition", "id"), ("status",), ("region",), ("weekend_choice",)}
REVIEWER_FILTER_PARAMETERS = {ReferencesCompleteFilter.parameter_name}


def _field_path(model, lookup: str) -> tuple[str, ...]:
    """The model fields a lookup walks (`applicant_id__exact` → ("applicant",)); what follows
    the last field is a transform or a lookup type, not a field."""
    path = []
    for part in lookup.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:  # the rest is a transform or lookup type
            break
        path.append(field.name)
        if not field.is_relation or field.related_model is None:
            break
        model = field.related_model
    return tuple(path)


class BulkDecisionForm(forms.Form):
    note = forms.CharField(
        label="Note for the decision history (optional)",
        max_length=200,
        required=False,
        help_text="For example: panel meeting of 20 May.",
    )
    confirm_open = forms.BooleanField(
        label="Applications are still open for this edition. Decide now anyway.",
        required=False,
    )

    def __init__(self, *args, still_open=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.still_open = list(still_open)
        if self.still_open:
            names = ", ".join(edition.name for edition in self.still_open)
            self.fields["confirm_open"].required = True
            self.fields[
                "confirm_open"
            ].label = f"Applications to {names} are still open: more may arrive. Decide now anyway."
            self.fields["confirm_open"].error_messages["required"] = (
                "Tick this to decide while applications are still open."
            )
        else:
            del self.fields["confirm_open"]


@admin.register(Application)
class ApplicationAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [ApplicationResource]
    formats = [CSV, XLSX]
    list_display = [
        "reference",
        "applicant_name",
        "status",
        "edition",
        "references",
        "submitted_on",
    ]
    list_filter = [
        "edition",
        "status",
        DecisionFilter,
        "region",
        "weekend_choice",
        ReferencesCompleteFilter,
    ]
    actions = ["decide_accepted", "decide_waitlisted", "decide_unsuccessful"]
    search_fields = [
        "applicant__first_name",
        "applicant__last_name",
        "applicant__email",
        "project_title",
    ]
    list_select_related = ["edition", "applicant"]
    inlines = [RefereeInline, ReviewInline, DecisionChangeInline]
    fieldsets = [
        (None, {"fields": ["edition", "applicant", "status", "submitted_at", "withdrawn_at"]}),
        ("About", {"fields": ["pronouns", "phone", "postcode", "region"]}),
        (
            "Membership",
            {"fields": ["is_member", "membership_reference", "local_group", "clp", "trade_union"]},
        ),
        ("Organising", {"fields": ["organising_kinds_labels", "experience"]}),
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
                    "journey_times",
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
        return [f for _, options in self.get_fieldsets(request, obj) for f in options["fields"]]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Nothing on the page is edited here (decisions are actions on the list), so the page
        # is a view with no Save buttons.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_export_permission(self, request):
        return request.user.has_perm("applications.decide_application")

    def get_queryset(self, request):
        queryset = super().get_queryset(request).with_reference_counts()
        if _is_programme_admin(request):
            return queryset.annotate(
                score_mean=_score_stat(Avg),
                score_low=_score_stat(Min),
                score_high=_score_stat(Max),
            )
        # Reviewers see the applications assigned to them, and nothing they declared a
        # conflict on (a conflict removes the assignment).
        return queryset.filter(
            pk__in=ReviewAssignment.objects.filter(reviewer=request.user).values("application")
        )

    def is_blind_for(self, request, obj) -> bool:
        return obj is not None and obj.edition.blind_review and not _is_programme_admin(request)

    def get_list_display(self, request):
        if _is_programme_admin(request):
            # What a decision rests on comes first; region and weekend are filters, not
            # columns, so the list fits 1280 px without scrolling sideways.
            return [
                "reference",
                "applicant_name",
                "decision",
                "waitlist_rank",
                "score",
                "references",
                "status",
                "edition",
                "submitted_on",
            ]
        return [
            "applicant_unless_blind" if name == "applicant_name" else name
            for name in self.list_display
        ]

    def get_list_filter(self, request):
        if _is_programme_admin(request):
            return self.list_filter
        return [f for f in self.list_filter if f is not DecisionFilter]

    def lookup_allowed(self, lookup, value, request=None):
        if request is not None and not _is_programme_admin(request):
            # Reviewers cannot probe what they are not shown (identity, decisions, travel and
            # access) through URL filters: only an allow-list of paths passes.
            if lookup in REVIEWER_FILTER_PARAMETERS:
                return True
            if _field_path(self.model, lookup) not in REVIEWER_LOOKUPS:
                return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_fields(self, request):
        if _is_programme_admin(request):
            return self.search_fields
        return ["project_title"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = self.fieldsets
        if _is_programme_admin(request):
            return [
                *fieldsets,
                ("Decision", {"fields": ["decision", "waitlist_rank", "decided_by", "decided_at"]}),
                (
                    "Offer",
                    {
                        "fields": [
                            "offer_status",
                            "offer_deadline",
                            "offer_responded_at",
                            "confirmed_weekend",
                        ]
                    },
                ),
            ]
        hidden = NOT_FOR_REVIEWERS | (IDENTIFYING if self.is_blind_for(request, obj) else set())
        fieldsets = [
            (title, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for title, options in fieldsets
        ]
        return [(title, options) for title, options in fieldsets if options["fields"]]

    def get_inlines(self, request, obj):
        if _is_programme_admin(request):
            return self.inlines
        return [RefereeInline]

    def get_inline_instances(self, request, obj=None):
        instances = super().get_inline_instances(request, obj)
        for inline in instances:
            inline.blind = self.is_blind_for(request, obj)
        return instances

    @admin.display(description="Kinds of organising")
    def organising_kinds_labels(self, obj):
        return ", ".join(obj.organising_kind_labels) or "—"

    @admin.display(description="Journey times to the weekends")
    def journey_times(self, obj):
        labels = dict(JourneyTime.choices)
        return "; ".join(
            f"to {city}: {labels.get(value, value) or 'not given'}"
            for city, value in [
                (obj.edition.weekend_a_city, obj.journey_time_a),
                (obj.edition.weekend_b_city, obj.journey_time_b),
            ]
        )

    @admin.display(description="Submitted", ordering="submitted_at")
    def submitted_on(self, obj):
        if obj.submitted_at is None:
            return "—"
        return f"{timezone.localtime(obj.submitted_at):%-d %b %Y}"

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj):
        # The same box as Django's, without a form widget rendered through templates per row:
        # on a page of 100 that was a third of the list's time.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" '
            'aria-label="Select this object for an action - {}">',
            admin.helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            obj,
        )

    @admin.display(description="Reference", ordering="pk")
    def reference(self, obj):
        return obj.reference_number

    def changelist_view(self, request, extra_context=None):
        # The list needs the width: the admin's own menu is one click away (Home).
        extra_context = {"is_nav_sidebar_enabled": False, **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    @admin.display(description="Score (mean, range)", ordering="score_mean")
    def score(self, obj):
        if obj.score_mean is None:
            return "—"
        return f"{obj.score_mean:.1f} ({obj.score_low}–{obj.score_high})"

    def _decide(self, request, queryset, decision):
        """The action's confirmation page, then (posted from it) the decisions."""
        still_open = reviews.editions_still_open(applications=queryset)
        confirming = request.POST.get("confirmed") == "yes"
        form = BulkDecisionForm(request.POST if confirming else None, still_open=still_open)
        if confirming and form.is_valid():
            try:
                count = decisions.decisions_record_bulk(
                    applications=queryset,
                    decision=decision,
                    by=request.user,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return None
            label = Decision(decision).label.lower()
            self.message_user(request, f"{count} application(s) marked {label}.", messages.SUCCESS)
            return None
        rows = reviews.bulk_decision_rows(applications=queryset)
        label = Decision(decision).label
        return TemplateResponse(
            request,
            "admin/applications/application/decide_confirmation.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": f"Decide: {label.lower()} for {len(rows)} application(s)?",
                "decision_label": label,
                "action": request.POST.get("action", ""),
                "select_across": request.POST.get("select_across", "0"),
                "rows": rows,
                "warned": sum(bool(row.warnings) for row in rows),
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "blind": False,
            },
        )

    @admin.action(description="Decide: accepted", permissions=["decide"])
    def decide_accepted(self, request, queryset):
        return self._decide(request, queryset, Decision.ACCEPTED)

    @admin.action(description="Decide: waitlisted (ranked in this order)", permissions=["decide"])
    def decide_waitlisted(self, request, queryset):
        return self._decide(request, queryset, Decision.WAITLISTED)

    @admin.action(description="Decide: unsuccessful", permissions=["decide"])
    def decide_unsuccessful(self, request, queryset):
        return self._decide(request, queryset, Decision.UNSUCCESSFUL)

    def has_decide_permission(self, request):
        return _is_programme_admin(request)

    @admin.display(description="Applicant", ordering="applicant__last_name")
    def applicant_name(self, obj):
        return obj.applicant.get_full_name() or obj.applicant.email

    # Not sortable: ordering by name would hint at the names a blind edition hides.
    @admin.display(description="Applicant")
    def applicant_unless_blind(self, obj):
        if obj.edition.blind_review:
            return "Hidden (blind review)"
        return self.applicant_name(obj)

    @admin.display(description="References", ordering="references_received")
    def references(self, obj):
        return f"{obj.references_received}/2"


@admin.register(DecisionRelease)
class DecisionReleaseAdmin(admin.ModelAdmin):
    """Per release, where its outcome emails are: queued, being sent, sent, waiting for
    another try, failed; the latest error and when the next attempt is due."""

    list_display = [
        "edition",
        "released_at",
        "emails_queued",
        "queued",
        "claimed",
        "sent",
        "retrying",
        "failed",
        "next_attempt",
        "last_error",
    ]
    readonly_fields = [
        "edition",
        "released_at",
        "released_by",
        "emails_queued",
        "queued",
        "claimed",
        "sent",
        "retrying",
        "failed",
        "next_attempt",
        "last_error",
    ]
    fields = readonly_fields
    actions = ["resend_failed"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("edition", "released_by")

    def _counts(self, obj):
        if not hasattr(obj, "_counts"):
            obj._counts = decisions.release_counts(edition=obj.edition)
        return obj._counts

    @admin.display(description="queued")
    def queued(self, obj):
        return self._counts(obj)["queued"]

    @admin.display(description="sending")
    def claimed(self, obj):
        return self._counts(obj)["claimed"]

    @admin.display(description="sent")
    def sent(self, obj):
        return self._counts(obj)["sent"]

    @admin.display(description="retrying")
    def retrying(self, obj):
        return self._counts(obj)["retrying"]

    @admin.display(description="failed")
    def failed(self, obj):
        return self._counts(obj)["failed"]

    @admin.display(description="next attempt due")
    def next_attempt(self, obj):
        counts = self._counts(obj)
        if not counts["retrying"] and not counts["queued"]:
            return "—"
        return date_format(timezone.localtime(counts["next_attempt_at"]), "DATETIME_FORMAT")

    @admin.display(description="last error")
    def last_error(self, obj):
        return self._counts(obj)["last_error"] or "—"

    @admin.action(description="Resend the failed outcome emails", permissions=["change"])
    def resend_failed(self, request, queryset):
        count = sum(decisions.release_resend_failed(edition=r.edition) for r in queryset)
        self.message_user(request, f"{count} failed outcome email(s) queued to send again.")


class OutcomeEmailForm(forms.ModelForm):
    """Accepts only the known placeholders: the wording is mailed to every applicant, so it
    must not reach anything but the strings decisions.PLACEHOLDERS names."""

    class Meta:
        model = OutcomeEmail
        fields = ["decision", "subject", "body_text", "body_html"]

    def _checked(self, name):
        value = self.cleaned_data[name]
        errors = decisions.wording_errors(value)
        if errors:
            raise ValidationError(errors)
        return value

    def clean_subject(self):
        return self._checked("subject")

    def clean_body_text(self):
        return self._checked("body_text")

    def clean_body_html(self):
        return self._checked("body_html")


@admin.register(OutcomeEmail)
class OutcomeEmailAdmin(admin.ModelAdmin):
    form = OutcomeEmailForm
    list_display = ["decision", "subject", "updated_at"]
    change_form_template = "admin/applications/outcomeemail/change_form.html"
    fields = ["decision", "subject", "body_text", "body_html"]

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("applications.change_outcomeemail")

    def get_changeform_initial_data(self, request):
        """Start from the wording that is sent today, so an edit is a change, not a rewrite."""
        initial = super().get_changeform_initial_data(request)
        decision = initial.get("decision") or request.GET.get("decision") or Decision.ACCEPTED
        templates = decisions.default_wording(decision)
        return {"decision": decision, **templates, **initial}

    def render_change_form(self, request, context, *args, **kwargs):
        context["placeholders"] = decisions.PLACEHOLDERS
        return super().render_change_form(request, context, *args, **kwargs)

    def get_urls(self):
        return [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="applications_outcomeemail_preview",
            ),
            *super().get_urls(),
        ]

    # The email's own style="" attributes, in the preview's srcdoc frame (it inherits the policy).
    @csp_update({"style-src-attr": [UNSAFE_INLINE]})
    def preview_view(self, request, pk):
        wording = get_object_or_404(OutcomeEmail, pk=pk)
        if not self.has_view_permission(request, wording):
            raise PermissionDenied
        applications = Application.objects.filter(decision=wording.decision).select_related(
            "applicant", "edition"
        )
        asked = request.GET.get("application", "")
        # Only ASCII digits: str.isdigit() accepts "²", which int() and the database refuse.
        chosen = (
            applications.filter(pk=int(asked)).first()
            if asked.isascii() and asked.isdigit() and len(asked) < 10
            else None
        )
        chosen = chosen or applications.order_by("-pk").first()
        rendered = decisions.outcome_email_for(chosen, wording=wording) if chosen else None
        if request.method == "POST" and rendered:
            with transaction.atomic():
                outbox.queue(
                    kind="outcome_test",
                    to=request.user.email,
                    key=f"outcome_test:{uuid.uuid4()}",
                    subject=f"[Test] {rendered['subject']}",
                    text=rendered["text"],
                    html=rendered["html"],
                )
            self.message_user(
                request, f"A test of this email is on its way to {request.user.email}."
            )
            return redirect(request.get_full_path())
        return TemplateResponse(
            request,
            "admin/applications/outcomeemail/preview.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "wording": wording,
                "application": chosen,
                "applications": applications.order_by("-pk")[:50],
                "rendered": rendered,
                "title": f"Preview: {wording}",
                "placeholders": decisions.PLACEHOLDERS,
            },
        )


# --- Reference requests (web): programme admins stop an applicant's referee changes ---------
# Kept apart from ApplicationAdmin's body so the staff pages' work on it merges cleanly.


def _set_reference_requests(modeladmin, request, queryset, *, stop: bool) -> None:
    from . import services

    applications = list(queryset)
    for application in applications:
        services.application_stop_reference_requests(application=application, stop=stop)
    done = "stopped" if stop else "allowed again"
    modeladmin.message_user(
        request,
        f"Reference requests {done} for {len(applications)} application(s).",
        messages.SUCCESS,
    )


@admin.action(description="Stop further reference requests", permissions=["decide"])
def stop_reference_requests(modeladmin, request, queryset):
    _set_reference_requests(modeladmin, request, queryset, stop=True)


@admin.action(description="Allow reference requests again", permissions=["decide"])
def allow_reference_requests(modeladmin, request, queryset):
    _set_reference_requests(modeladmin, request, queryset, stop=False)


ApplicationAdmin.actions = [
    *ApplicationAdmin.actions,
    stop_reference_requests,
    allow_reference_requests,
]
ApplicationAdmin.fieldsets = [
    *ApplicationAdmin.fieldsets,
    ("Reference requests", {"fields": ["reference_requests_stopped"]}),
]
