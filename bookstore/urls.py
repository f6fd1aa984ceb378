from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import views as account_views

api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("catalog.api_urls")),
    path("", include("reservations.api_urls")),
    path("", include("billing.api_urls")),
]

urlpatterns = [
    # Until the customer pages exist, the site opens on the admin.
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/login/", account_views.admin_login_redirect),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]

handler404 = "bookstore.views.not_found"
handler500 = "bookstore.views.server_error"
