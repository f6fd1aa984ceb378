"""The wishlist app's API routes (under /api/v1/)."""

urlpatterns = []
