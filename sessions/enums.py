from django.db import models


class Part(models.TextChoices):
    """Where in the programme a session falls."""

    WEEKEND = "weekend", "In-person weekend"
    ONLINE = "online", "Online session"
    CLOSING = "closing", "Online closing day"


class Strand(models.TextChoices):
    POLITICAL = "political", "Political"
    ORGANISING = "organising", "Organising"
    STRATEGIC = "strategic", "Strategic"
    REPORT_BACK = "report-back", "Project report-back"
    FREE = "free", "Free session"


class Format(models.TextChoices):
    IN_PERSON = "in-person", "In person"
    ONLINE = "online", "Online"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "Present"
    LATE = "late", "Late"
    APOLOGIES = "apologies", "Apologies"
    ABSENT = "absent", "Absent"


class FreeSessionKind(models.TextChoices):
    REQUEST = "request", "I would like a session on this"
    OFFER = "offer", "I offer to lead a session on this"
