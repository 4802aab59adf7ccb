from django.shortcuts import render
from django.utils import timezone

from .models import Edition


def home(request):
    now = timezone.now()
    edition = Edition.objects.current(at=now)
    return render(
        request,
        "panitch/home.html",
        {
            "edition": edition,
            "is_open": edition is not None and edition.is_open_for_applications(at=now),
            "not_yet_open": edition is not None and now < edition.applications_open_at,
        },
    )
