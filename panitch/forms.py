from django import forms


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    first_name = forms.CharField(
        max_length=150,
        label="First name",
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        max_length=150,
        label="Last name",
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    field_order = ["first_name", "last_name", "email", "password1", "password2"]

    def signup(self, request, user):
        # allauth's adapter has already saved first_name and last_name from cleaned_data.
        pass
