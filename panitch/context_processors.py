from django.conf import settings

from .navigation import navigation_for, url


def panitch(request):
    return {
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
