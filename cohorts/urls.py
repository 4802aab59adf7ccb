from django.urls import path

from . import staff, views

app_name = "cohorts"

urlpatterns = [
    path("cohort/", views.mine, name="mine"),
    path("cohort/withdraw/", views.withdraw, name="withdraw"),
    path("facilitate/", views.roster_list, name="roster_list"),
    path("facilitate/<int:pk>/", views.roster, name="roster"),
    path("facilitate/<int:pk>/sign-in/", views.sign_in_sheet, name="sign_in_sheet"),
    path(
        "facilitate/<int:pk>/roster.<str:fmt>",
        views.roster_export,
        name="roster_export",
    ),
    path("staff/cohorts/", staff.allocation_current, name="allocation_current"),
    path("staff/cohorts/<int:edition_id>/allocation/", staff.allocation, name="allocation"),
    path("staff/cohorts/<int:edition_id>/create/", staff.create_default, name="create_default"),
    path("staff/cohorts/<int:edition_id>/pin/", staff.pin, name="pin"),
    path("staff/cohorts/<int:edition_id>/unpin/", staff.unpin_all, name="unpin_all"),
    path("staff/cohorts/<int:edition_id>/commit/", staff.commit, name="commit"),
    path("staff/cohorts/<int:edition_id>/place-new/", staff.place_new, name="place_new"),
    path("staff/cohorts/<int:edition_id>/offer-next/", staff.offer_next, name="offer_next"),
    path(
        "staff/cohorts/participants/<int:pk>/move/",
        staff.participant_move,
        name="participant_move",
    ),
    path(
        "staff/cohorts/participants/<int:pk>/withdraw/",
        staff.participant_withdraw,
        name="participant_withdraw",
    ),
]
