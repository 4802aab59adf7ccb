from django.conf import settings

from .navigation import navigation_for


def panitch(request):
    return {
        "programme_name": settings.PANITCH_PROGRAMME_NAME,
        "organisation_name": settings.PANITCH_ORGANISATION_NAME,
        "contact_email": settings.PANITCH_CONTACT_EMAIL,
        "navigation": navigation_for(request.user) if hasattr(request, "user") else [],
    }
