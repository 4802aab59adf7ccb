"""The steps of the application form, in order."""

from dataclasses import dataclass

from . import forms
from .models import Application


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    form_class: type
    optional: bool = False
    intro: str = ""

    @property
    def application_fields(self) -> tuple[str, ...]:
        """What the step's page reads of the application: its own answers, its status."""
        meta = getattr(self.form_class, "Meta", None)
        own = meta.fields if meta is not None and meta.model is Application else ()
        return ("status", "completed_steps", *own)


STEPS = [
    Step("about", "About you", forms.AboutForm),
    Step("membership", "Membership", forms.MembershipForm),
    Step("experience", "Your organising", forms.ExperienceForm),
    Step(
        "project",
        "Your local project",
        forms.ProjectForm,
        intro="Everyone on the programme carries out a local political project of their own, "
        "using what they learn and reporting back to their cohort. There is no set list: it "
        "could be a political education event or campaign, more socialist influence in your "
        "CLP, or more active members in your local group.",
    ),
    Step("availability", "Availability", forms.AvailabilityForm),
    Step("travel", "Travel and access", forms.TravelForm),
    Step(
        "referees",
        "Political referees",
        forms.RefereesForm,
        intro="Name two people who can speak to your commitment to socialist ideas and "
        "organising — ideally people active in Momentum (such as a local group's organisers), "
        "the Labour Party, an affiliated trade union or an allied organisation. When you "
        "submit, we email each of them a short reference request.",
    ),
    Step("consent", "Privacy and consent", forms.ConsentForm),
    Step(
        "equality",
        "Equality monitoring",
        forms.EqualityForm,
        optional=True,
        intro="These questions are optional. Your answers help us check the programme reaches "
        "every part of the movement. They are stored apart from your application and are never "
        "shown to the people who assess it.",
    ),
]
BY_SLUG = {step.slug: step for step in STEPS}
REQUIRED_SLUGS = [step.slug for step in STEPS if not step.optional]


def step_after(slug: str) -> Step | None:
    index = [s.slug for s in STEPS].index(slug)
    return STEPS[index + 1] if index + 1 < len(STEPS) else None


def step_before(slug: str) -> Step | None:
    index = [s.slug for s in STEPS].index(slug)
    return STEPS[index - 1] if index > 0 else None
