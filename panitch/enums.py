from django.db import models


class Role(models.TextChoices):
    """Staff and programme roles; each is a Django group of the same name."""

    REVIEWER = "Reviewer", "Reviewer"
    PROGRAMME_ADMIN = "Programme admin", "Programme admin"
    FACILITATOR = "Facilitator", "Facilitator"


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    # A worker has committed its claim and is talking to the mail server (see panitch.outbox).
    CLAIMED = "claimed", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
