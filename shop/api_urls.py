"""The shop app's API routes (under /api/v1/)."""

urlpatterns = []
