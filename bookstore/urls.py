from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

urlpatterns = [
    # Until the customer pages exist, the site opens on the admin.
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
]
