"""One form per step of the application. Each writes only its own fields; the services decide
what a change means (replacing a referee, recording consent)."""

import re

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from .enums import JourneyTime, OrganisingKind, ProjectKind, Recommendation, Region, WeekendChoice
from .models import Application, EqualityMonitoring, Referee, Reference

YES_NO = [(True, "Yes"), (False, "No")]


def yes_no(label, help_text=""):
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda value: value in (True, "True"),
        widget=forms.RadioSelect,
        empty_value=None,
        error_messages={"required": "Choose yes or no."},
    )


def weekend_label(starts, ends, city) -> str:
    """“7–8 August in London”, or “31 January–1 February in London” across a month's end."""
    same_month = (starts.year, starts.month) == (ends.year, ends.month)
    first = f"{starts:%-d}" if same_month else f"{starts:%-d %B}"
    return f"{first}–{ends:%-d %B} in {city}"


AUTOCOMPLETE = {
    "first_name": "given-name",
    "last_name": "family-name",
    "postcode": "postal-code",
    "phone": "tel",
    "email": "email",
}


def apply_input_hints(form, *, autocomplete=True) -> None:
    """Phone-friendly inputs: the right keyboard, autofill where it is the person's own
    details, and long answers that state their limit (static/js/charcount.js counts down)."""
    for name, field in form.fields.items():
        widget = field.widget
        if name == "phone":
            widget.input_type = "tel"
        if autocomplete and name in AUTOCOMPLETE:
            widget.attrs.setdefault("autocomplete", AUTOCOMPLETE[name])
        if isinstance(widget, forms.Select):
            widget.attrs.pop("maxlength", None)  # HTML allows no maxlength on <select>
        if isinstance(widget, forms.Textarea) and getattr(field, "max_length", None):
            widget.attrs["data-charcount"] = str(field.max_length)
            limit = f"Up to {field.max_length:,} characters."
            if limit not in str(field.help_text):
                field.help_text = f"{field.help_text} {limit}".strip()


def no_form_tag_helper():
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class StepForm(forms.ModelForm):
    """A ModelForm on the application; knows the edition for labels and messages.

    A draft form (`draft=True`, "Save and come back later") requires nothing but still checks
    every answer that is there, so a half-finished step is kept without saving anything wrong.
    """

    def __init__(self, *args, application, edition, user, draft=False, **kwargs):
        super().__init__(*args, instance=application, **kwargs)
        self.edition = edition
        self.user = user
        self.draft = draft
        self.helper = no_form_tag_helper()
        for name in self.Meta.required:
            self.fields[name].required = True
        if draft:
            for field in self.fields.values():
                field.required = False
        apply_input_hints(self)

    def save_to(self, application: Application) -> None:
        for name in self.Meta.fields:
            setattr(application, name, self.cleaned_data[name])
        application.save(update_fields=[*self.Meta.fields, "updated_at"])


POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
PHONE = re.compile(r"^\+?[0-9 ()-]{10,20}$")


class AboutForm(StepForm):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)

    class Meta:
        model = Application
        fields = ["pronouns", "phone", "postcode", "region"]
        required = ["phone", "postcode", "region"]
        help_texts = {
            "pronouns": "Optional. For example she/her, he/him or they/them.",
            "phone": "So the programme team can reach you about your application.",
            "postcode": "Cohorts are arranged broadly by where people live.",
        }

    field_order = ["first_name", "last_name", "pronouns", "phone", "postcode", "region"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["first_name"].initial = user.first_name
        self.fields["last_name"].initial = user.last_name
        self.fields["region"].choices = [("", "Choose your region"), *Region.choices]

    def clean_postcode(self):
        postcode = " ".join(self.cleaned_data["postcode"].upper().split())
        if not postcode and self.draft:
            return ""
        if not POSTCODE.match(postcode):
            raise ValidationError("Enter a UK postcode, for example LS1 4AP.")
        if " " not in postcode:
            postcode = f"{postcode[:-3]} {postcode[-3:]}"
        return postcode

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if not phone and self.draft:
            return ""
        if not PHONE.match(phone) or len(re.sub(r"\D", "", phone)) < 10:
            raise ValidationError(
                "Enter a phone number with at least 10 digits, e.g. 07700 900123."
            )
        return phone

    def save_to(self, application):
        super().save_to(application)
        self.user.first_name = self.cleaned_data["first_name"]
        self.user.last_name = self.cleaned_data["last_name"]
        self.user.save(update_fields=["first_name", "last_name"])


class MembershipForm(StepForm):
    is_member = yes_no("Are you a member of Momentum?")

    class Meta:
        model = Application
        fields = ["is_member", "membership_reference", "local_group", "clp", "trade_union"]
        required = ["membership_reference"]
        help_texts = {
            "membership_reference": "We use it to confirm your membership.",
            "local_group": "Leave blank if you are not part of a local group.",
            "clp": "Leave blank if you are not a Labour Party member.",
            "trade_union": "Leave blank if you are not in a union.",
        }

    def clean_is_member(self):
        if self.cleaned_data["is_member"] is None and self.draft:
            return None
        if self.cleaned_data["is_member"] is not True:
            raise ValidationError(
                "The programme is for Momentum members. Membership is free: join Momentum "
                f"({settings.PANITCH_JOIN_URL}), then come back to finish — your answers so "
                "far are saved."
            )
        return True


class ExperienceForm(StepForm):
    organising_kinds = forms.MultipleChoiceField(
        label="Which kinds of organising have you done?",
        choices=OrganisingKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose all that apply.",
        error_messages={"required": "Choose at least one kind of organising."},
    )

    class Meta:
        model = Application
        fields = ["organising_kinds", "experience"]
        required = ["experience"]
        labels = {"experience": "What have you done, and what did it achieve?"}
        help_texts = {
            "experience": "Tell us about your activism so far.",
        }
        widgets = {"experience": forms.Textarea(attrs={"rows": 8})}


class ProjectForm(StepForm):
    class Meta:
        model = Application
        fields = [
            "project_title",
            "project_kind",
            "project_description",
            "project_involves",
            "project_success",
        ]
        required = fields
        labels = {
            "project_title": "Give your project a short title",
            "project_kind": "What kind of project is it?",
            "project_description": "What will you do?",
            "project_involves": "Who will it involve?",
            "project_success": "What would success look like by the end of the programme?",
        }
        widgets = {
            "project_kind": forms.RadioSelect,
            "project_description": forms.Textarea(attrs={"rows": 6}),
            "project_involves": forms.Textarea(attrs={"rows": 4}),
            "project_success": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project_kind"].choices = ProjectKind.choices


class AvailabilityForm(StepForm):
    available_closing_day = yes_no("Can you take part in the online closing day?")
    available_online_sessions = yes_no(
        "Can you join most of the online sessions?",
        "At least four sessions of two to three hours, on evenings or weekends; "
        "dates are set once the programme starts.",
    )
    has_device = yes_no(
        "Do you have internet and a laptop, tablet or phone for video calls?",
    )

    class Meta:
        model = Application
        fields = [
            "weekend_choice",
            "available_closing_day",
            "available_online_sessions",
            "has_device",
        ]
        required = ["weekend_choice"]
        widgets = {"weekend_choice": forms.RadioSelect}
        labels = {"weekend_choice": "Which in-person weekend can you come to?"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        e = self.edition
        a = weekend_label(e.weekend_a_starts_on, e.weekend_a_ends_on, e.weekend_a_city)
        b = weekend_label(e.weekend_b_starts_on, e.weekend_b_ends_on, e.weekend_b_city)
        self.fields["weekend_choice"].choices = [
            (WeekendChoice.A, f"Only weekend A: {a}"),
            (WeekendChoice.B, f"Only weekend B: {b}"),
            (WeekendChoice.BOTH, "Either weekend (this helps us the most)"),
            (WeekendChoice.NEITHER, "Neither weekend"),
        ]
        self.fields[
            "weekend_choice"
        ].help_text = f"Both days, {e.weekend_day_starts_at:%H:%M}–{e.weekend_day_ends_at:%H:%M}."
        self.fields[
            "available_closing_day"
        ].help_text = f"{e.closing_day:%A %-d %B %Y}, online, all day."

    def clean_weekend_choice(self):
        if self.cleaned_data["weekend_choice"] == WeekendChoice.NEITHER:
            raise ValidationError(
                "Every participant comes to one in-person weekend: it is where the cohort first "
                "meets and ten of the nineteen sessions happen. If neither weekend works this "
                "year, the programme runs again next year."
            )
        return self.cleaned_data["weekend_choice"]

    def clean_available_closing_day(self):
        if self.cleaned_data["available_closing_day"] is None and self.draft:
            return None
        if self.cleaned_data["available_closing_day"] is not True:
            raise ValidationError(
                "The closing day brings the cohort together for the last five sessions, so every "
                "participant needs to be there. If you cannot make it, please apply in a future "
                "year."
            )
        return True

    def clean_has_device(self):
        if self.cleaned_data["has_device"] is None and self.draft:
            return None
        if self.cleaned_data["has_device"] is not True:
            raise ValidationError(
                "The online sessions and the closing day happen on video calls, so you need a "
                "device and internet. If this is the only thing in your way, email the programme "
                f"contact ({self.edition.contact_email}) to talk it through."
            )
        return True


class TravelForm(StepForm):
    needs_travel_paid = yes_no(
        "Would you need your travel to the weekend paid for?",
        "Travel is covered for everyone who needs it.",
    )
    may_need_accommodation = yes_no(
        "Might you need accommodation for the weekend?",
        "Accommodation is covered only when the journey to the venue is longer than 2½ hours "
        "and you have nowhere else to stay.",
    )

    class Meta:
        model = Application
        fields = [
            "needs_travel_paid",
            "journey_time_a",
            "journey_time_b",
            "may_need_accommodation",
            "access_requirements",
        ]
        required = ["journey_time_a", "journey_time_b"]
        widgets = {
            "journey_time_a": forms.RadioSelect,
            "journey_time_b": forms.RadioSelect,
            "access_requirements": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {
            "access_requirements": "Do you have any access requirements?",
        }
        help_texts = {
            "access_requirements": "Optional. Anything that would help you take part fully.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field, city in (
            ("journey_time_a", self.edition.weekend_a_city),
            ("journey_time_b", self.edition.weekend_b_city),
        ):
            self.fields[field].label = f"Roughly how long is your journey to {city}?"
            self.fields[field].choices = JourneyTime.choices


class RefereeForm(forms.ModelForm):
    class Meta:
        model = Referee
        fields = ["name", "email", "phone", "organisation", "relationship", "known_for"]
        labels = {
            "name": "Full name",
            "phone": "Phone number (optional)",
            "organisation": "Organisation and role",
            "relationship": "How do they know you?",
            "known_for": "For how long?",
        }
        help_texts = {
            "organisation": "For example: Secretary, Leeds Momentum; or Branch chair, Unite.",
            "known_for": "For example: three years.",
        }


class RefereesForm:
    """Two referee forms validated together: distinct people, neither of them the applicant.

    As a draft, a referee left wholly blank is skipped and a half-named one is kept as typed.
    """

    def __init__(self, data=None, *, application, edition, user, draft=False):
        self.user = user
        self.draft = draft
        current = {r.position: r for r in (application.active_referees if application else [])}
        self.forms = [
            RefereeForm(data, prefix=f"referee{position}", instance=current.get(position))
            for position in (1, 2)
        ]
        for form in self.forms:
            form.helper = no_form_tag_helper()
            if draft:
                for field in form.fields.values():
                    field.required = False
            apply_input_hints(form, autocomplete=False)

    def is_valid(self) -> bool:
        # Validate both forms (not all() over a generator) so both show their errors.
        valid = [form.is_valid() for form in self.forms]
        if not all(valid):
            return False
        # Read both emails before adding errors: add_error drops the field from cleaned_data.
        emails = [form.cleaned_data["email"].lower() for form in self.forms]
        for form, email in zip(self.forms, emails, strict=True):
            if email and email == self.user.email.lower():
                form.add_error("email", "A referee must be someone other than you.")
        if emails[0] and emails[0] == emails[1] and "email" not in self.forms[1].errors:
            self.forms[1].add_error("email", "Your two referees must be different people.")
        return all(not form.errors for form in self.forms)

    def add_error(self, position: int, field: str, message: str) -> None:
        self.forms[position - 1].add_error(field, message)

    @property
    def errors(self):
        return [form.errors for form in self.forms if form.errors]

    @property
    def cleaned_data(self):
        return [form.cleaned_data for form in self.forms]


class ConsentForm(StepForm):
    consent_special_category = forms.BooleanField(
        label=(
            "I agree that the programme may process my political opinions and my trade union "
            "membership, as described in the privacy notice, to assess and run my application."
        ),
        error_messages={
            "required": "We cannot consider an application without this consent: political "
            "opinions and trade union membership are at the heart of it."
        },
    )

    class Meta:
        model = Application
        fields = ["consent_special_category"]
        required = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Consent is given afresh each time: never shown pre-ticked.
        self.initial["consent_special_category"] = False


def _choices(*values):
    return [("", "Prefer not to say"), *[(v, v) for v in values]]


_LOOK_UP = object()


class EqualityForm(forms.ModelForm):
    class Meta:
        model = EqualityMonitoring
        fields = ["age_band", "gender", "ethnicity", "disability", "sexuality", "class_background"]
        labels = {
            "age_band": "Your age",
            "gender": "Your gender",
            "ethnicity": "Your ethnic group",
            "disability": "Do you consider yourself disabled?",
            "sexuality": "Your sexual orientation",
            "class_background": "Would you describe your background as working class?",
        }
        widgets = {
            "age_band": forms.Select(
                choices=_choices("Under 25", "25–34", "35–44", "45–54", "55–64", "65 or over")
            ),
            "gender": forms.TextInput(),
            "ethnicity": forms.TextInput(),
            "disability": forms.Select(choices=_choices("Yes", "No")),
            "sexuality": forms.TextInput(),
            "class_background": forms.Select(choices=_choices("Yes", "No", "Not sure")),
        }

    def __init__(self, data=None, *, application, edition, user, draft=False, answers=_LOOK_UP):
        """`answers`: the person's earlier answers (or None) when the caller has them already;
        otherwise they are looked up here."""
        if answers is _LOOK_UP:
            answers = EqualityMonitoring.objects.filter(edition=edition, person=user).first()
        super().__init__(data, instance=answers)
        self.helper = no_form_tag_helper()
        apply_input_hints(self)


class ReferenceForm(forms.ModelForm):
    class Meta:
        model = Reference
        fields = ["relationship", "known_for", "commitment", "examples", "recommendation"]
        labels = {
            "relationship": "How do you know them?",
            "known_for": "For how long have you known them?",
            "commitment": "How committed are they to socialist ideas and to organising?",
            "examples": "Give one or two examples of their organising",
            "recommendation": "Do you recommend them for the programme?",
        }
        widgets = {
            "relationship": forms.Textarea(attrs={"rows": 3}),
            "commitment": forms.Textarea(attrs={"rows": 6}),
            "examples": forms.Textarea(attrs={"rows": 6}),
            "recommendation": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = True
        self.fields["recommendation"].choices = Recommendation.choices
        self.helper = no_form_tag_helper()
        apply_input_hints(self, autocomplete=False)
