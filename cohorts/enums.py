from django.db import models


class Weekend(models.TextChoices):
    """Which of the edition's two in-person weekends a cohort meets on."""

    A = "a", "Weekend A"
    B = "b", "Weekend B"


class ParticipantStatus(models.TextChoices):
    ACTIVE = "active", "Taking part"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ChangeKind(models.TextChoices):
    """What happened to a participant after the allocation was committed."""

    ALLOCATED = "allocated", "Allocated to a cohort"
    MOVED = "moved", "Moved to another cohort"
    WITHDRAWN = "withdrawn", "Withdrew from the programme"


# People with an active place are in this group, so pages know it from the roles loaded with
# the signed-in person (no query of their own): cohorts.services keeps it in step.
PARTICIPANT_GROUP = "Participant"
