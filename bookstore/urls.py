from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from core.pages import favicon
from dashboard.demand import demand_view
from dashboard.views import dashboard_view

# The busiest first (the catalog, then reservations): the apps' paths never overlap.
api_v1 = [
    path("", include("catalog.api_urls")),
    path("", include("reservations.api_urls")),
    path("", include("billing.api_urls")),
    path("", include("accounts.api_urls")),
    path("", include("shop.api_urls")),
    path("", include("reviews.api_urls")),
    path("", include("wishlist.api_urls")),
    path("", include("dashboard.api_urls")),
]

urlpatterns = [
    # The API first: it takes most requests, and Django tries the patterns in order.
    path("api/v1/", include((api_v1, "api"))),
    # Customer and visitor pages: the catalog is the home page.
    path("", include("catalog.urls")),
    path("", include("reservations.book_urls")),
    path("reservations/", include("reservations.urls")),
    path("", include("billing.urls")),
    path("", include("shop.urls")),
    path("", include("reviews.urls")),
    path("", include("wishlist.urls")),
    path("admin/login/", account_views.admin_login_redirect),
    path("admin/dashboard/", dashboard_view, name="admin-dashboard"),
    path("admin/demand/", demand_view, name="admin-demand-report"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("author/", include("catalog.author_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("favicon.ico", favicon),
    path("language/", account_views.language_view, name="set-language"),
    # GET only: OPTIONS would render DRF's metadata through the page's HTML renderer (a 500).
    # The split view serves Swagger UI's start-up script as a file (/api/docs/?script=) and
    # our template drops the page's inline <style>: the Content-Security-Policy allows neither inline.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", template_name="api/swagger_ui.html", http_method_names=["get", "head"]
        ),
        name="swagger-ui",
    ),
]

handler400 = "core.error_views.bad_request"
handler403 = "core.error_views.permission_denied"
handler404 = "core.error_views.not_found"
handler500 = "core.error_views.server_error"
