"""The shop's pages (mounted at the site root): the cart, checkout, my orders (R35, R36)."""

from django.urls import path

from . import views

urlpatterns = [
    path("cart/", views.cart_view, name="cart"),
    path("cart/checkout/", views.checkout_view, name="checkout"),
    path("cart/items/<int:pk>/", views.cart_item_update_view, name="cart-item-update"),
    path("cart/items/<int:pk>/remove/", views.cart_item_remove_view, name="cart-item-remove"),
    path("books/<int:pk>/add-to-cart/", views.cart_add_view, name="cart-add"),
    path("orders/", views.my_orders_view, name="my-orders"),
    path("orders/<int:pk>/", views.order_detail_view, name="order-detail"),
]
