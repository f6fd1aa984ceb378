from django.urls import path

from . import apis

urlpatterns = [
    path("admin/demand/", apis.DemandApi.as_view(), name="admin-demand"),
]
