from django.urls import path

from . import apis, notification_apis, profile_apis, user_apis

urlpatterns = [
    path("auth/signup/", apis.SignupApi.as_view(), name="signup"),
    path("auth/login/", apis.LoginApi.as_view(), name="login"),
    path("auth/verify-otp/", apis.VerifyOtpApi.as_view(), name="verify-otp"),
    path("auth/refresh/", apis.RefreshApi.as_view(), name="token-refresh"),
    path("auth/logout/", apis.LogoutApi.as_view(), name="logout"),
    path("auth/password/", user_apis.PasswordChangeApi.as_view(), name="password-change"),
    path("me/", user_apis.MeApi.as_view(), name="me"),
    path("users/", user_apis.UserListApi.as_view(), name="user-list"),
    path("users/<int:pk>/", user_apis.UserDetailApi.as_view(), name="user-detail"),
    path("users/<int:pk>/contact-change/", user_apis.ContactChangeStartApi.as_view(), name="contact-change"),
    path(
        "users/<int:pk>/contact-change/confirm/",
        user_apis.ContactChangeConfirmApi.as_view(),
        name="contact-change-confirm",
    ),
    path("customers/", profile_apis.CustomerListApi.as_view(), name="customer-list"),
    path("customers/<int:pk>/", profile_apis.CustomerDetailApi.as_view(), name="customer-detail"),
    path("authors/", profile_apis.AuthorListApi.as_view(), name="author-list"),
    path("authors/<int:pk>/", profile_apis.AuthorDetailApi.as_view(), name="author-detail"),
    path("admin/users/<int:pk>/revoke-tokens/", apis.RevokeTokensApi.as_view(), name="revoke-tokens"),
    path("notifications/", notification_apis.NotificationListApi.as_view(), name="notification-list"),
    path("notifications/read/", notification_apis.NotificationReadApi.as_view(), name="notifications-read"),
]
