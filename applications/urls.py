from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("apply/", views.apply, name="apply"),
    path("apply/review/", views.review, name="review"),
    path("apply/withdraw/", views.withdraw, name="withdraw"),
    path("apply/<slug:slug>/", views.step, name="step"),
    path("application/", views.dashboard, name="dashboard"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("reference/privacy/", views.referee_privacy_notice, name="referee_privacy"),
    path("reference/<str:token>/", views.reference, name="reference"),
]
