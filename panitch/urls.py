from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from . import health, views

# The admin signs in through allauth, so its rate limits protect the admin too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Panitch staff admin"
admin.site.site_title = "Panitch"
admin.site.index_title = "Programme administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", health.health, name="health"),
    path("accounts/", include("allauth.urls")),
    path("", include("applications.urls")),
    path("", include("cohorts.urls")),
    path("", include("sessions.urls")),
    path("admin/", admin.site.urls),
]
