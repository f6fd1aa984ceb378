"""My reservations pages (mounted at /reservations/)."""

from django.urls import path

from . import pause_views, renewal_views, views

urlpatterns = [
    path("", views.my_reservations_view, name="my-reservations"),
    path("<int:pk>/return/", views.reservation_return_view, name="reservation-return-page"),
    path("<int:pk>/leave/", views.reservation_leave_view, name="reservation-leave-page"),
    path("<int:pk>/renew/", renewal_views.reservation_renew_view, name="reservation-renew-page"),
    path("<int:pk>/pause/", pause_views.reservation_pause_view, name="reservation-pause-page"),
    path("<int:pk>/resume/", pause_views.reservation_resume_view, name="reservation-resume-page"),
]
