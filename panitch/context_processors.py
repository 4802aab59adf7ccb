from django.conf import settings

from .enums import Role
from .navigation import navigation_for, url


def outbox_failing(user):
    """The banner's finding, for programme admins and superusers (a cache read, no query)."""
    if not getattr(user, "is_staff", False):
        return None
    if not (user.is_superuser or user.has_role(Role.PROGRAMME_ADMIN)):
        return None
    from . import outbox

    return outbox.failing_banner()


def panitch(request):
    user = getattr(request, "user", None)
    return {
        "outbox_failing": outbox_failing(user),
        "programme_name": settings.PANITCH_PROGRAMME_NAME,
        "organisation_name": settings.PANITCH_ORGANISATION_NAME,
        "contact_email": settings.PANITCH_CONTACT_EMAIL,
        "navigation": navigation_for(request.user) if hasattr(request, "user") else [],
        "site_urls": {
            "home": url("home"),
            "sign_in": url("account_login"),
            "sign_out": url("account_logout"),
            "sign_up": url("account_signup"),
        },
    }
