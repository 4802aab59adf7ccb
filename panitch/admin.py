import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from . import outbox
from .enums import EmailStatus
from .models import Edition, OutboxEmail, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Only superusers manage staff accounts, roles and passwords. A programme admin sees and
    edits applicants' accounts (name, email, active), never a password, a role or a staff flag:
    any of those would let them take over an account worth more than their own."""

    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Roles", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]
    filter_horizontal = ["groups"]
    # Only what a programme admin may change on an applicant's account.
    APPLICANT_FIELDSETS = [
        (None, {"fields": ["email"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Account", {"fields": ["is_active"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        # Staff accounts are not theirs to see or change: they answer 404.
        return queryset.filter(is_staff=False, is_superuser=False)

    def get_fieldsets(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return self.APPLICANT_FIELDSETS

    def get_list_filter(self, request):
        if request.user.is_superuser:
            return self.list_filter
        return ["is_active"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None and not request.user.is_superuser:
            # Not UserChangeForm: its password field (and the link to set one) is not theirs.
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["last_login", "date_joined"]
        if not request.user.is_superuser:
            readonly += ["is_staff", "is_superuser", "groups", "user_permissions"]
        return readonly

    def lookup_allowed(self, lookup, value, request=None):
        # ?password__startswith=... would let anyone but a superuser read hashes a letter at
        # a time; roles are theirs to manage only.
        superuser = request is not None and request.user.is_superuser
        if not superuser and lookup.split("__", 1)[0] in {"password", "groups", "user_permissions"}:
            return False
        return super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request):
        # A new account needs a password, which only superusers set.
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


class LabelledSplitDateTime(AdminSplitDateTime):
    """Django's date and time boxes, each with its own label: the field's label points at
    neither of them (a MultiWidget has no single id), so screen readers heard nothing."""

    template_name = "admin/widgets/split_datetime_labelled.html"


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    formfield_overrides = {models.DateTimeField: {"widget": LabelledSplitDateTime}}
    list_display = [
        "name",
        "applications_open_at",
        "applications_close_at",
        "decisions_release_at",
        "closing_day",
    ]
    search_fields = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "year"]}),
        (
            "Applications and references",
            {
                "fields": [
                    "applications_open_at",
                    "applications_close_at",
                    "reference_deadline",
                    ("info_session_at", "info_session_url"),
                ]
            },
        ),
        ("Decisions", {"fields": ["decisions_release_at", "offer_response_deadline"]}),
        (
            "In-person weekends",
            {
                "fields": [
                    ("weekend_a_starts_on", "weekend_a_ends_on", "weekend_a_city"),
                    ("weekend_b_starts_on", "weekend_b_ends_on", "weekend_b_city"),
                    ("weekend_day_starts_at", "weekend_day_ends_at"),
                ]
            },
        ),
        ("Closing day and cohorts", {"fields": ["closing_day", "cohort_count", "cohort_size"]}),
        ("Contact", {"fields": ["contact_name", "contact_email"]}),
    ]


HIDDEN = (
    "Hidden: this email carries a sign-in secret or a private link. Only a superuser can read it."
)


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """The outbox: every email, its state, its last error and its next attempt. Bodies that
    carry an authentication secret (`sensitive`) are shown to superusers only, and blanked
    once sent."""

    list_display = [
        "created_at",
        "kind",
        "to",
        "subject",
        "status",
        "attempts",
        "next_attempt",
        "short_error",
        "sent_at",
    ]
    list_filter = ["status", "kind", "sensitive"]
    search_fields = ["to", "subject", "idempotency_key"]
    date_hierarchy = "created_at"
    actions = ["resend_failed"]
    readonly_fields = [
        "kind",
        "to",
        "reply_to",
        "subject",
        "status",
        "attempts",
        "last_error",
        "first_failed_at",
        "next_attempt_at",
        "claimed_at",
        "claimed_by",
        "idempotency_key",
        "message_id",
        "sensitive",
        "created_at",
        "sent_at",
        "text_body",
        "attachment_names",
        "html_preview",
    ]
    fields = readonly_fields
    change_list_template = "admin/panitch/outboxemail/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # The list never loads the bodies.
        return super().get_queryset(request).defer("body_text", "body_html", "attachments")

    BODY_FIELDS = {"text_body": "hidden_text", "attachment_names": "hidden_attachments"}
    BODY_FIELDS["html_preview"] = "hidden_html"

    def _fields_for(self, request, obj):
        """The page's fields; for a body with a secret, seen by anyone but a superuser, the
        fields that would show it are swapped for ones that say it is hidden (chosen per
        request: the admin instance is shared between requests)."""
        fields = list(self.readonly_fields)
        if obj is not None and obj.sensitive and not request.user.is_superuser:
            fields = [self.BODY_FIELDS.get(name, name) for name in fields]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self._fields_for(request, obj)

    def get_fields(self, request, obj=None):
        return self._fields_for(request, obj)

    @admin.display(description="text body")
    def hidden_text(self, obj):
        return HIDDEN

    @admin.display(description="attachments")
    def hidden_attachments(self, obj):
        return HIDDEN

    @admin.display(description="HTML body")
    def hidden_html(self, obj):
        return HIDDEN

    @admin.display(description="next attempt")
    def next_attempt(self, obj):
        return obj.next_attempt_at if obj.status == EmailStatus.PENDING else "—"

    @admin.display(description="last error")
    def short_error(self, obj):
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    @admin.display(description="text body")
    def text_body(self, obj):
        return obj.body_text

    @admin.display(description="attachments")
    def attachment_names(self, obj):
        return ", ".join(a["filename"] for a in obj.attachments) or "—"

    @admin.display(description="HTML body")
    def html_preview(self, obj):
        if not obj.body_html:
            return "—"
        # A sandboxed frame: the message's markup cannot touch the admin page.
        return format_html(
            '<iframe title="HTML body of the email" sandbox srcdoc="{}" '
            'class="outbox-html-preview"></iframe>',
            obj.body_html,
        )

    @admin.action(description="Send the selected failed emails again", permissions=["change"])
    def resend_failed(self, request, queryset):
        resent = 0
        for email in queryset.filter(status=EmailStatus.FAILED):
            outbox.resend(email=email)
            resent += 1
        self.message_user(request, f"{resent} failed email(s) queued to send again.")

    def get_urls(self):
        return [
            path(
                "send-test/",
                self.admin_site.admin_view(self.send_test_view),
                name="panitch_outboxemail_send_test",
            ),
            *super().get_urls(),
        ]

    def send_test_view(self, request):
        if request.method != "POST":
            return redirect("admin:panitch_outboxemail_changelist")
        if not self.has_change_permission(request):
            raise PermissionDenied
        with transaction.atomic():
            email = outbox.queue(
                kind="outbox_test",
                to=request.user.email,
                key=f"outbox_test:{uuid.uuid4()}",
                template="outbox_test",
                context={
                    "name": request.user.first_name or request.user.email,
                    "requested_at": timezone.now(),
                },
            )
        self.message_user(
            request,
            f"A test email to {email.to} is in the outbox; the worker sends it in a few seconds.",
            messages.SUCCESS,
        )
        return redirect(reverse("admin:panitch_outboxemail_changelist"))
