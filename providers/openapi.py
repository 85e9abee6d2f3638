"""The records in the OpenAPI schema: one named component per category, made from SCHEMAS."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

from providers.schema_docs import openapi_fields, openapi_pushed, openapi_served
from providers.schemas import SCHEMAS


class RecordField(serializers.Field):
    """A record of any category, as a provider pushes it or as the records API serves it.

    It is passed on as given: the ingest judges each pushed record on its own and rejects a bad one with
    its reason, so one bad record never fails its whole batch. Only the schema describes its shape.
    """

    def __init__(self, *, served: bool, **kwargs) -> None:
        self.served = served
        super().__init__(**kwargs)
        # Not even a null is refused here (as DRF's untyped fields allow it): the ingest rejects it alone.
        self.allow_null = True

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


class RecordFieldSchema(OpenApiSerializerFieldExtension):
    """One component per category with its own fields (``SalesFields``), and per direction one that adds
    what a push carries (``PushedSalesRecord``) or what the hub serves (``SalesRecord``). Each choice set sits
    in one component only, so drf-spectacular names its enums without a collision."""

    target_class = RecordField

    def map_serializer_field(self, auto_schema, direction) -> dict:
        mapping = {}
        # The keys of SCHEMAS are Category members; the schema wants their plain values.
        for category in map(str, SCHEMAS):
            title = category.capitalize()
            fields = self._component(auto_schema, f"{title}Fields", openapi_fields(category))
            if self.target.served:
                name, extra = f"{title}Record", openapi_served(category)
            else:
                name, extra = f"Pushed{title}Record", openapi_pushed()
            mapping[category] = self._component(auto_schema, name, {"allOf": [fields, extra]})["$ref"]
        return {
            "oneOf": [{"$ref": ref} for ref in mapping.values()],
            "discriminator": {"propertyName": "category", "mapping": mapping},
        }

    @staticmethod
    def _component(auto_schema, name: str, schema: dict) -> dict:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        auto_schema.registry.register_on_missing(component)
        return component.ref
