"""Serializer fields whose OpenAPI schema says exactly what they accept."""

import re
from decimal import Decimal

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# A positive amount as a plain decimal string: at most 12 digits before the point, at most 2 after, no
# sign, exponent or leading zeros. Under a trillion, its HKD equivalent fits the 14 digits before the
# point that loan amounts are stored with, at any rate in the FX table (all below 100).
MONEY_PATTERN = r"^(?:[1-9][0-9]{0,11}(?:\.[0-9]{1,2})?|0\.(?:0[1-9]|[1-9][0-9]?))$"


@extend_schema_field({"type": "string", "format": "decimal", "pattern": MONEY_PATTERN, "example": "250000.00"})
class MoneyField(serializers.DecimalField):
    """An amount given in a request. It is read only from a string that matches MONEY_PATTERN, so what the
    schema accepts and what the API accepts are the same set."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_digits=14, decimal_places=2, **kwargs)

    def validate_empty_values(self, data) -> tuple[bool, object]:
        # DecimalField reads a blank string as null; here an amount is a MONEY_PATTERN string or JSON null.
        return serializers.Field.validate_empty_values(self, data)

    def to_internal_value(self, data) -> Decimal:
        if not isinstance(data, str) or not re.fullmatch(MONEY_PATTERN, data):
            self.fail("invalid")
        return super().to_internal_value(data)


# OpenAPI 3.0 has no null type: a nullable string that may not be a string is null.
@extend_schema_field({"type": "string", "nullable": True, "not": {"type": "string"}, "description": "Null or absent."})
class NullOnlyField(serializers.Field):
    """For a schema-only serializer: a property that, when given at all, is null."""


def http_url_validator() -> RegexValidator:
    """An http(s) URL with a DNS name (up to four labels), IPv4 address or localhost, an optional port, and a
    path or query of URL characters: a part of what Django's URLValidator accepts, small enough to state
    in the schema as a pattern."""
    octet = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
    label = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    host = rf"(?:localhost|{octet}(?:\.{octet}){{3}}|(?:{label}\.){{1,3}}[A-Za-z]{{2,24}})"
    return RegexValidator(rf"^https?://{host}(?::[0-9]{{1,5}})?(?:/[A-Za-z0-9._~!$&'()*+,;=:@/?-]*)?$")
