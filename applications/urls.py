from django.urls import path

from . import offers, staff, views

app_name = "applications"

urlpatterns = [
    path("apply/", views.apply, name="apply"),
    path("apply/review/", views.review, name="review"),
    path("apply/withdraw/", views.withdraw, name="withdraw"),
    path("apply/<slug:slug>/", views.step, name="step"),
    path("application/", views.dashboard, name="dashboard"),
    path("application/offer/", offers.offer, name="offer"),
    path("staff/reviews/", staff.review_list, name="review_list"),
    path("staff/reviews/<int:pk>/", staff.review_detail, name="review_detail"),
    path("staff/reviews/<int:pk>/conflict/", staff.review_conflict, name="review_conflict"),
    path("staff/selection/", staff.selection_dashboard, name="selection_dashboard"),
    path(
        "staff/selection/<int:edition_id>/",
        staff.selection_dashboard,
        name="selection_dashboard_for",
    ),
    path(
        "staff/selection/<int:edition_id>/assign/",
        staff.assign_reviewers,
        name="assign_reviewers",
    ),
    path("staff/selection/<int:edition_id>/release/", staff.release, name="release"),
    path("staff/selection/<int:edition_id>/offer-next/", staff.offer_next, name="offer_next"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("reference/privacy/", views.referee_privacy_notice, name="referee_privacy"),
    path("reference/<str:token>/", views.reference, name="reference"),
]
