"""OpenAPI schema generation (drf-spectacular) tuned to our one-class-per-operation views."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    """Name nested serializers after their view: LoginApi.InputSerializer -> LoginInput."""

    def get_serializer_name(self, serializer, direction):
        qualname = type(serializer).__qualname__
        if "." in qualname:
            owner, name = qualname.rsplit(".", 1)
            owner = owner.split(".")[-1].removesuffix("Api")
            return f"{owner}{name.removesuffix('Serializer')}"
        return super().get_serializer_name(serializer, direction)
