"""The customer and author profiles over REST (R23). One class per operation."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import StrictInputSerializer

from . import services
from .api_common import AuthorOutput, CustomerOutput, OwnAuthorOutput, error_responses
from .models import Author, City, Customer
from .permissions import IsAdmin, IsSelf, IsSelfOrAdminReading, is_admin

# --- Customers --------------------------------------------------------------------


class CustomerListApi(ListAPIView):
    permission_classes = [IsAdmin]
    serializer_class = CustomerOutput
    queryset = Customer.objects.order_by("id")

    @extend_schema(summary="All customers (admins)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CustomerDetailApi(APIView):
    """A customer profile: tier, end and balance are read-only (R23)."""

    permission_classes = [IsAuthenticated, IsSelfOrAdminReading]

    class InputSerializer(StrictInputSerializer):
        auto_renew = serializers.BooleanField(required=False)

    def get_object(self, pk: int) -> Customer:
        customer = get_object_or_404(Customer.objects.select_related("user"), pk=pk)
        self.check_object_permissions(self.request, customer)
        return customer

    @extend_schema(summary="A customer profile", responses={200: CustomerOutput, **error_responses(401, 403, 404)})
    def get(self, request, pk: int):
        return Response(CustomerOutput(self.get_object(pk)).data)

    @extend_schema(
        summary="Change your own customer profile (auto-renew only)",
        request=InputSerializer,
        responses={200: CustomerOutput, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, pk: int):
        customer = self.get_object(pk)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if "auto_renew" in data.validated_data:
            services.set_auto_renew(customer=customer, enabled=data.validated_data["auto_renew"])
        return Response(CustomerOutput(customer).data)


# --- Authors ----------------------------------------------------------------------


class AuthorListApi(ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = AuthorOutput
    queryset = Author.objects.select_related("user", "city").order_by("user__last_name", "user__username")

    @extend_schema(summary="Authors")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AuthorDetailApi(APIView):
    permission_classes = [AllowAny]

    class InputSerializer(StrictInputSerializer):
        city = serializers.PrimaryKeyRelatedField(queryset=City.objects.all(), allow_null=True, required=False)
        goodreads_link = serializers.URLField(max_length=200, allow_blank=True, required=False)
        bank_account_number = serializers.CharField(max_length=34, allow_blank=True, required=False)
        bio = serializers.CharField(max_length=5000, allow_blank=True, required=False)

    def get_object(self, pk: int) -> Author:
        return get_object_or_404(Author.objects.select_related("user", "city"), pk=pk)

    def output(self, author: Author):
        own = author.user == self.request.user or is_admin(self.request.user)
        return (OwnAuthorOutput if own else AuthorOutput)(author).data

    @extend_schema(summary="An author", responses={200: AuthorOutput, **error_responses(404)})
    def get(self, request, pk: int):
        return Response(self.output(self.get_object(pk)))

    @extend_schema(
        summary="Change your own author profile",
        request=InputSerializer,
        responses={200: OwnAuthorOutput, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, pk: int):
        if not request.user.is_authenticated:
            self.permission_denied(request)
        author = self.get_object(pk)
        if not IsSelf().has_object_permission(request, self, author):
            self.permission_denied(request, message=_("You may change only your own profile."))
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.update_author(author=author, **data.validated_data)
        return Response(self.output(author))
