from django import forms

from .enums import ConfirmedWeekend, ReviewRecommendation
from .forms import weekend_label
from .models import SCORE_CHOICES, Review


class ReviewForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ["commitment", "experience", "project", "potential", "recommendation", "comment"]
        labels = {
            "commitment": "Commitment to socialist ideas and organising (read the references)",
            "experience": "Organising experience",
            "project": "The local project: rooted locally, winnable, using what the programme "
            "teaches",
            "potential": "Potential to lead and to share what they learn",
            "recommendation": "Your recommendation",
            "comment": "Comment for the selection panel",
        }
        widgets = {
            "commitment": forms.RadioSelect,
            "experience": forms.RadioSelect,
            "project": forms.RadioSelect,
            "potential": forms.RadioSelect,
            "recommendation": forms.RadioSelect,
            "comment": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("commitment", "experience", "project", "potential"):
            self.fields[name].choices = SCORE_CHOICES
            self.fields[name].help_text = "1 = weak, 5 = outstanding."
        self.fields["recommendation"].choices = ReviewRecommendation.choices


class ConflictForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        required=False,
        label="Why (optional)",
        help_text="For example: we organise in the same group.",
    )


class OfferForm(forms.Form):
    weekend = forms.ChoiceField(
        label="Which in-person weekend can you still come to?",
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args, edition, **kwargs):
        super().__init__(*args, **kwargs)
        e = edition
        self.fields["weekend"].choices = [
            (
                ConfirmedWeekend.A,
                "Weekend A: "
                + weekend_label(e.weekend_a_starts_on, e.weekend_a_ends_on, e.weekend_a_city),
            ),
            (
                ConfirmedWeekend.B,
                "Weekend B: "
                + weekend_label(e.weekend_b_starts_on, e.weekend_b_ends_on, e.weekend_b_city),
            ),
            (ConfirmedWeekend.BOTH, "Either weekend"),
        ]
