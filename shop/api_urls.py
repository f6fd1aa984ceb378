"""The shop's endpoints under /api/v1/ (SPEC section 4): the cart, checkout and orders (R35, R36)."""

from django.urls import path

from .apis import CartApi, CartItemApi, OrderCancelApi, OrderDetailApi, OrderFulfilApi, OrderListCreateApi

urlpatterns = [
    path("cart/", CartApi.as_view(), name="cart"),
    path("cart/items/<int:pk>/", CartItemApi.as_view(), name="cart-item"),
    path("orders/", OrderListCreateApi.as_view(), name="order-list"),
    path("orders/<int:pk>/", OrderDetailApi.as_view(), name="order-detail"),
    path("orders/<int:pk>/cancel/", OrderCancelApi.as_view(), name="order-cancel"),
    path("orders/<int:pk>/fulfil/", OrderFulfilApi.as_view(), name="order-fulfil"),
]
