from django import forms

from .models import Cohort, Participant

LONG = 2000


class PreferencesForm(forms.ModelForm):
    """What a participant tells us before the weekend, and whether their cohort sees their
    contact details."""

    dietary_needs = forms.CharField(
        label="Dietary needs",
        required=False,
        max_length=LONG,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For the meals at the in-person weekend. Leave empty if none.",
    )

    class Meta:
        model = Participant
        fields = ["share_contact", "dietary_needs"]


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why are you leaving the programme?",
        max_length=LONG,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label="Yes, I am giving up my place on the programme.", required=True
    )


class StaffWithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Reason", max_length=LONG, widget=forms.Textarea(attrs={"rows": 2})
    )


class CohortChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, cohort):
        return f"{cohort.name} ({cohort.get_weekend_display()})"


class PinForm(forms.Form):
    """Pin (or move, before commit) one confirmed place to a cohort, or free it."""

    application = forms.IntegerField(widget=forms.HiddenInput)
    cohort = CohortChoiceField(
        queryset=Cohort.objects.none(), required=False, empty_label="Let the solver choose"
    )

    def __init__(self, *args, cohorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts


class MoveForm(forms.Form):
    cohort = CohortChoiceField(queryset=Cohort.objects.none(), label="Move to")
    reason = forms.CharField(max_length=LONG, required=False)

    def __init__(self, *args, cohorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts
