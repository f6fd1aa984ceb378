"""Wallet and subscription endpoints under /api/v1/ (SPEC section 4)."""

from django.urls import path

from .apis import SubscriptionApi, WalletChargeApi, WalletDetailApi, WalletTransactionListApi

urlpatterns = [
    path("wallet/", WalletDetailApi.as_view(), name="wallet"),
    path("wallet/transactions/", WalletTransactionListApi.as_view(), name="wallet-transactions"),
    # core.api reverses "api:wallet-charge" for the charge_url of R11.
    path("wallet/charge/", WalletChargeApi.as_view(), name="wallet-charge"),
    path("subscription/", SubscriptionApi.as_view(), name="subscription"),
]
