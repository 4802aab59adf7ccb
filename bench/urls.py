"""URLs while `manage.py bench` runs: the site's own, plus the bare ceiling page.

Only the bench points ROOT_URLCONF here (with override_settings), so the bare page never
exists on the running site.
"""

from django.urls import include, path

from .form import bare_step, framed_step

urlpatterns = [
    path("bench/bare/<slug:slug>/", bare_step, name="bench_bare_step"),
    path("bench/framed/<slug:slug>/", framed_step, name="bench_framed_step"),
    path("", include("panitch.urls")),
]
