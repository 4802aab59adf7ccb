"""Stored outcome wordings were Django templates; they become placeholder text.

`{{ edition.name }}` becomes `{{ edition_name }}`, `{{ edition.contact_name }}` and
`{{ edition.contact_email }}` become `{{ contact_name }}` and `{{ contact_email }}`, and the date
filter on the offer deadline goes (the placeholder is already written out in words). Anything
else in braces is left as it is: the admin form then asks for it to be corrected before the
wording can be saved again, and the renderer prints no value for it.
"""

import re

from django.db import migrations

VARIABLES = {
    "edition.name": "edition_name",
    "edition.contact_name": "contact_name",
    "edition.contact_email": "contact_email",
    "offer_deadline": "offer_deadline",
}


def to_placeholders(text):
    def placeholder(match):
        variable = match[1]
        if variable in VARIABLES:
            return "{{ " + VARIABLES[variable] + " }}"
        return match[0]

    return re.sub(r"{{\s*([\w.]+)\s*(?:\|[^}]*)?}}", placeholder, text)


def forwards(apps, schema_editor):
    OutcomeEmail = apps.get_model("applications", "OutcomeEmail")
    for wording in OutcomeEmail.objects.all():
        wording.subject = to_placeholders(wording.subject)
        wording.body_text = to_placeholders(wording.body_text)
        wording.body_html = to_placeholders(wording.body_html)
        wording.save(update_fields=["subject", "body_text", "body_html"])


class Migration(migrations.Migration):
    dependencies = [("applications", "0002_reviews_and_decisions")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
