"""Wallet and subscription pages (mounted at the site root)."""

from django.urls import path

from . import views

urlpatterns = [
    path("wallet/", views.wallet_view, name="wallet"),
    path("wallet/charge/", views.wallet_charge_view, name="wallet-charge-page"),
    path("subscription/", views.subscription_view, name="subscription"),
    path("subscription/confirm/", views.subscription_confirm_view, name="subscription-confirm"),
    path("subscription/buy/", views.subscription_buy_view, name="subscription-buy"),
    path("subscription/auto-renew/", views.auto_renew_view, name="subscription-auto-renew"),
]
