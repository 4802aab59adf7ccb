from django.db import models


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Region(models.TextChoices):
    NORTH_EAST = "north-east", "North East England"
    NORTH_WEST = "north-west", "North West England"
    YORKSHIRE = "yorkshire", "Yorkshire and the Humber"
    EAST_MIDLANDS = "east-midlands", "East Midlands"
    WEST_MIDLANDS = "west-midlands", "West Midlands"
    EAST = "east", "East of England"
    LONDON = "london", "London"
    SOUTH_EAST = "south-east", "South East England"
    SOUTH_WEST = "south-west", "South West England"
    WALES = "wales", "Wales"
    SCOTLAND = "scotland", "Scotland"
    NORTHERN_IRELAND = "northern-ireland", "Northern Ireland"


class OrganisingKind(models.TextChoices):
    LOCAL_GROUP = "local-group", "Local Momentum group"
    CLP = "clp", "Constituency Labour Party (CLP)"
    TRADE_UNION = "trade-union", "Trade union"
    TENANTS_UNION = "tenants-union", "Tenants' union or housing group"
    ENVIRONMENTAL = "environmental", "Environmental organising"
    ANTI_RACIST = "anti-racist", "Anti-racist organising"
    OTHER = "other", "Other organising or activism"


class ProjectKind(models.TextChoices):
    POLITICAL_EDUCATION = "political-education", "A political education event or series"
    CAMPAIGN = "campaign", "A local campaign"
    CLP_INFLUENCE = "clp-influence", "More socialist influence in a CLP"
    GROW_LOCAL_GROUP = "grow-local-group", "More active members in a local Momentum group"
    OTHER = "other", "Something else"


class WeekendChoice(models.TextChoices):
    A = "a", "Weekend A only"
    B = "b", "Weekend B only"
    BOTH = "both", "Either weekend"
    NEITHER = "neither", "Neither weekend"


class JourneyTime(models.TextChoices):
    UNDER_ONE = "under-1h", "Under 1 hour"
    ONE_TO_TWO_AND_HALF = "1h-2.5h", "1 to 2½ hours"
    OVER_TWO_AND_HALF = "over-2.5h", "More than 2½ hours"


class Recommendation(models.TextChoices):
    YES = "yes", "Yes, I recommend them"
    WITH_RESERVATIONS = "with-reservations", "Yes, with reservations"
    NO = "no", "No, I do not recommend them"


class Decision(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    WAITLISTED = "waitlisted", "Waitlisted"
    UNSUCCESSFUL = "unsuccessful", "Unsuccessful"


class OfferStatus(models.TextChoices):
    OFFERED = "offered", "Offered, awaiting an answer"
    CONFIRMED = "confirmed", "Confirmed"
    DECLINED = "declined", "Declined"
    LAPSED = "lapsed", "Lapsed (no answer by the deadline)"
    WITHDRAWN = "withdrawn", "Withdrew from the programme after confirming"


class ReviewRecommendation(models.TextChoices):
    ACCEPT = "accept", "Accept"
    MAYBE = "maybe", "Maybe"
    REJECT = "reject", "Reject"


class ConfirmedWeekend(models.TextChoices):
    A = "a", "Weekend A"
    B = "b", "Weekend B"
    BOTH = "both", "Either weekend"
