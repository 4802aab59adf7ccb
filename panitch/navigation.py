"""The site navigation, which depends on the signed-in person's roles.

Apps add their own entries by giving their AppConfig a `navigation_items(user)` method, so
this module never needs to know about the apps that build on it.
"""

import functools
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

from .enums import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


def url(name: str) -> str:
    """reverse(name) for a URL with no arguments, worked out once: every page asks."""
    return _reverse(name, current_urlconf(), get_script_prefix())


def current_urlconf() -> str:
    """The URLconf reverse() would use now: the request's own, else ROOT_URLCONF."""
    return get_urlconf() or settings.ROOT_URLCONF


@functools.lru_cache(maxsize=256)
def _reverse(name: str, urlconf, script_prefix: str) -> str:
    return reverse(name, urlconf=urlconf)


def is_staff_role(user) -> bool:
    return user.is_superuser or bool(
        user.role_names & {Role.REVIEWER.value, Role.PROGRAMME_ADMIN.value}
    )


def navigation_for(user) -> list[NavItem]:
    items = [NavItem("Home", url("home"))]
    if not user.is_authenticated:
        return items
    for config in apps.get_app_configs():
        if hasattr(config, "navigation_items"):
            items.extend(config.navigation_items(user))
    if is_staff_role(user):
        items.append(NavItem("Staff admin", url("admin:index")))
    if user.has_role(Role.PROGRAMME_ADMIN) or user.is_superuser:
        items.append(NavItem("Editions", url("admin:panitch_edition_changelist")))
        items.append(NavItem("Outbox", url("admin:panitch_outboxemail_changelist")))
    items.append(NavItem("Your account", url("account")))
    return items
