"""The wishlist app's pages (mounted at the site root)."""

urlpatterns = []
