from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_code_view, name="login-code"),
    path("logout/", views.logout_view, name="logout"),
    path("signup/", views.signup_view, name="signup"),
    path("profile/", views.profile_view, name="profile"),
    path("profile/contact/", views.contact_change_view, name="contact-change"),
    path("profile/password/", views.password_change_view, name="password-change"),
    path("profile/contact/code/", views.contact_change_code_view, name="contact-change-code"),
    path("notifications/", views.notifications_view, name="notifications"),
]
