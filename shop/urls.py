"""The shop app's pages (mounted at the site root)."""

urlpatterns = []
