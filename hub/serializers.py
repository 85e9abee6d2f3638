"""Request bodies read as strictly as the OpenAPI schema describes them."""

from collections.abc import Mapping

from rest_framework import serializers

# Fields the schema describes as JSON strings, which Django REST Framework would also fill from a
# number (a product of 0, a consent_id of 7 read as a UUID).
_TEXT = (serializers.CharField, serializers.ChoiceField, serializers.UUIDField)


def _wrong_type(field: serializers.Field, value) -> bool:
    if value is None:
        return False
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        return any(_wrong_type(field.child, item) for item in value)
    return isinstance(field, _TEXT) and not isinstance(value, str)


# A request body whose text fields take JSON strings only, as its schema says, never a number coerced.
# (A comment, not a docstring: the schema would show a docstring as every subclass's description.)
class StrictInputSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            wrong = [name for name, field in self.fields.items() if name in data and _wrong_type(field, data[name])]
            if wrong:
                raise serializers.ValidationError({name: ["Must be a string."] for name in wrong})
        return super().to_internal_value(data)
