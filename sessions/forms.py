import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from panitch.enums import Role
from panitch.models import Edition, User

from .enums import AttendanceStatus, FreeSessionKind, Part, Strand
from .validation import LONDON, local


def facilitator_choices():
    return User.objects.filter(groups__name=Role.FACILITATOR.value).order_by(
        "first_name", "last_name", "email"
    )


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the matching field, else above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


class CurriculumSessionForm(forms.Form):
    """One session added to the curriculum: per cohort for the weekend and online sessions,
    shared for the closing day."""

    part = forms.ChoiceField(choices=Part.choices, label="Where in the programme")
    strand = forms.ChoiceField(choices=Strand.choices)
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    day = forms.TypedChoiceField(
        label="Weekend day",
        choices=[("", "Not a weekend session"), (1, "Day 1"), (2, "Day 2")],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Weekend sessions: each cohort's own weekend, at its venue.",
    )
    on = forms.DateField(
        label="Date",
        widget=DateInput,
        required=False,
        help_text="Online sessions: leave empty while it is to be confirmed. "
        "The closing day's date is the edition's.",
    )
    starts = forms.TimeField(label="Starts", widget=TimeInput, required=False)
    ends = forms.TimeField(label="Ends", widget=TimeInput, required=False)
    joining_url = forms.URLField(label="Joining link", required=False, assume_scheme="https")
    facilitators = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facilitators"].queryset = facilitator_choices()


class SessionForm(forms.Form):
    """One session's own details: its time (or TBC), link, facilitators, cancellation."""

    title = forms.CharField(max_length=200)
    strand = forms.ChoiceField(choices=Strand.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    on = forms.DateField(
        label="Date", widget=DateInput, required=False, help_text="Empty: to be confirmed."
    )
    starts = forms.TimeField(label="Starts", widget=TimeInput, required=False)
    ends = forms.TimeField(label="Ends", widget=TimeInput, required=False)
    joining_url = forms.URLField(label="Joining link", required=False, assume_scheme="https")
    facilitators = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    cancelled = forms.BooleanField(label="Cancelled", required=False)
    everywhere = forms.BooleanField(
        label="Give every cohort's copy of this session the same title, strand and description",
        required=False,
        initial=True,
    )

    def __init__(self, *args, session, **kwargs):
        initial = {
            "title": session.title,
            "strand": session.strand,
            "description": session.description,
            "joining_url": session.joining_url,
            "facilitators": list(session.facilitators.all()),
            "cancelled": session.cancelled_at is not None,
        }
        if session.starts_at:
            initial |= {
                "on": local(session.starts_at).date(),
                "starts": local(session.starts_at).time(),
                "ends": local(session.ends_at).time(),
            }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["facilitators"].queryset = facilitator_choices()

    def clean(self):
        data = super().clean()
        on, starts, ends = data.get("on"), data.get("starts"), data.get("ends")
        if on and not (starts and ends):
            self.add_error("starts", "Give a start and an end time, or leave the date empty.")
        if not on and (starts or ends):
            self.add_error("on", "Give the date too, or leave the times empty: TBC.")
        return data

    def changes(self) -> dict:
        data = self.cleaned_data
        on = data["on"]
        return {
            "title": data["title"],
            "strand": data["strand"],
            "description": data["description"],
            "joining_url": data["joining_url"],
            "facilitators": list(data["facilitators"]),
            "cancelled": data["cancelled"],
            "starts_at": dt.datetime.combine(on, data["starts"], tzinfo=LONDON) if on else None,
            "ends_at": dt.datetime.combine(on, data["ends"], tzinfo=LONDON) if on else None,
        }


class MaterialForm(forms.Form):
    title = forms.CharField(max_length=200)
    file = forms.FileField(required=False, help_text="Kept private: only the session's people.")
    url = forms.URLField(label="Or a link", required=False, assume_scheme="https")

    def clean(self):
        data = super().clean()
        if bool(data.get("file")) == bool(data.get("url")):
            self.add_error("url", "Upload a file or give a link (one of the two).")
        return data


class CopyForm(forms.Form):
    source = forms.ModelChoiceField(
        queryset=Edition.objects.none(), label="Copy the curriculum of", empty_label=None
    )

    def __init__(self, *args, target, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = (
            Edition.objects.exclude(pk=target.pk)
            .filter(sessions__isnull=False)
            .distinct()
            .order_by("-year")
        )


class AttendanceForm(forms.Form):
    participant = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=AttendanceStatus.choices)


class FreeRequestForm(forms.Form):
    kind = forms.ChoiceField(
        choices=FreeSessionKind.choices, widget=forms.RadioSelect, label="Request or offer"
    )
    topic = forms.CharField(max_length=200)
    details = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="What you would like to learn, or what you would bring.",
    )


class FreeScheduleForm(forms.Form):
    session = forms.ModelChoiceField(queryset=None, label="Free slot", empty_label=None)

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = slots
        self.fields["session"].label_from_instance = slot_label


def slot_label(session) -> str:
    if session.starts_at is None:
        return f"{session.title} (to be confirmed)"
    return f"{session.title} ({local(session.starts_at):%d %b %Y, %H:%M})"
