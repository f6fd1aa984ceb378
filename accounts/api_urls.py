from django.urls import path

from . import apis

urlpatterns = [
    path("auth/signup/", apis.SignupApi.as_view(), name="signup"),
    path("auth/login/", apis.LoginApi.as_view(), name="login"),
    path("auth/verify-otp/", apis.VerifyOtpApi.as_view(), name="verify-otp"),
    path("auth/refresh/", apis.RefreshApi.as_view(), name="token-refresh"),
    path("auth/logout/", apis.LogoutApi.as_view(), name="logout"),
    path("auth/password/", apis.PasswordChangeApi.as_view(), name="password-change"),
    path("me/", apis.MeApi.as_view(), name="me"),
    path("users/", apis.UserListApi.as_view(), name="user-list"),
    path("users/<int:pk>/", apis.UserDetailApi.as_view(), name="user-detail"),
    path("users/<int:pk>/contact-change/", apis.ContactChangeStartApi.as_view(), name="contact-change"),
    path(
        "users/<int:pk>/contact-change/confirm/",
        apis.ContactChangeConfirmApi.as_view(),
        name="contact-change-confirm",
    ),
    path("customers/", apis.CustomerListApi.as_view(), name="customer-list"),
    path("customers/<int:pk>/", apis.CustomerDetailApi.as_view(), name="customer-detail"),
    path("authors/", apis.AuthorListApi.as_view(), name="author-list"),
    path("authors/<int:pk>/", apis.AuthorDetailApi.as_view(), name="author-detail"),
    path("admin/users/<int:pk>/revoke-tokens/", apis.RevokeTokensApi.as_view(), name="revoke-tokens"),
]
