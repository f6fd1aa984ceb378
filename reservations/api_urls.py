"""Reservation endpoints under /api/v1/ (SPEC section 4), and the admin's holders view (R25)."""

from django.urls import path

from .apis import (
    BookHoldersApi,
    ReservationDetailApi,
    ReservationEndApi,
    ReservationListCreateApi,
    ReservationReturnApi,
)
from .pause_apis import ReservationPauseApi, ReservationResumeApi
from .renewal_apis import ReservationRenewApi

urlpatterns = [
    path("reservations/", ReservationListCreateApi.as_view(), name="reservation-list"),
    path("reservations/<int:pk>/", ReservationDetailApi.as_view(), name="reservation-detail"),
    path("reservations/<int:pk>/return/", ReservationReturnApi.as_view(), name="reservation-return"),
    path("reservations/<int:pk>/end/", ReservationEndApi.as_view(), name="reservation-end"),
    path("reservations/<int:pk>/renew/", ReservationRenewApi.as_view(), name="reservation-renew"),
    path("reservations/<int:pk>/pause/", ReservationPauseApi.as_view(), name="reservation-pause"),
    path("reservations/<int:pk>/resume/", ReservationResumeApi.as_view(), name="reservation-resume"),
    path("books/<int:pk>/holders/", BookHoldersApi.as_view(), name="book-holders"),
]
