"""The site navigation, which depends on the signed-in person's roles.

Later apps add their own entries here (a facilitator's cohort, a participant's schedule).
"""

from dataclasses import dataclass

from django.urls import reverse

from .enums import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


def navigation_for(user) -> list[NavItem]:
    items = [NavItem("Home", reverse("home"))]
    if not user.is_authenticated:
        return items
    if user.has_role(Role.REVIEWER) or user.has_role(Role.PROGRAMME_ADMIN) or user.is_superuser:
        items.append(NavItem("Staff admin", reverse("admin:index")))
    if user.has_role(Role.PROGRAMME_ADMIN) or user.is_superuser:
        items.append(NavItem("Editions", reverse("admin:panitch_edition_changelist")))
        items.append(NavItem("Outbox", reverse("admin:panitch_outboxemail_changelist")))
    items.append(NavItem("Your account", reverse("account_email")))
    return items
