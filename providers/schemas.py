"""The six data categories' record schemas: defined once, used by the fetcher, the push API,
the sandbox providers and the documentation.

Each schema is JSON Schema (draft 2020-12) for one record as a provider sends it. Values that
JSON Schema cannot check well (dates, decimal amounts) are checked again by ``normalise``,
which turns a valid record into the columns the hub stores.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import fastjsonschema

from hub.categories import Category

CURRENCIES = ["HKD", "CNY", "USD", "EUR", "GBP", "JPY", "SGD"]
# Each "description" is what the documentation and the OpenAPI schema say about the field.
DATE_TIME = {"type": "string", "minLength": 10, "maxLength": 40, "description": "ISO 8601 date-time with a UTC offset"}
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "description": "date, YYYY-MM-DD"}
_REF = {"type": "string", "minLength": 1, "maxLength": 100, "description": "your reference, up to 100 characters"}
_COMMON = {
    "external_id": {
        "type": "string",
        "minLength": 1,
        "maxLength": 100,
        "description": "your id, unique within the category, up to 100 characters",
    },
    "occurred_at": DATE_TIME,
    "amount": {
        "type": "string",
        "pattern": r"^-?\d{1,13}(\.\d{1,4})?$",
        "description": "a decimal string, up to 4 decimal places",
    },
    "currency": {"enum": CURRENCIES, "description": "ISO 4217"},
}


def _schema(category: str, properties: dict, required: list[str], money: bool = True) -> dict:
    """A category's schema; without ``money`` its records have no amount and no currency (profile)."""
    common = _COMMON if money else {name: _COMMON[name] for name in ("external_id", "occurred_at")}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{category} record",
        "type": "object",
        "properties": {**common, **properties},
        "required": [*common, *required],
    }


SCHEMAS: dict[str, dict] = {
    Category.SALES: _schema(
        "sales",
        {
            "channel": {"type": "string", "maxLength": 40, "description": "text, up to 40 characters"},
            "status": {"enum": ["completed", "refunded", "cancelled"]},
            "customer_ref": _REF,
        },
        ["channel", "status", "customer_ref"],
    ),
    Category.PAYMENTS: _schema(
        "payments",
        {
            "direction": {"enum": ["in", "out"]},
            "counterparty_ref": _REF,
            "method": {"type": "string", "maxLength": 40, "description": "text, up to 40 characters"},
        },
        ["direction", "counterparty_ref", "method"],
    ),
    Category.INVOICES: _schema(
        "invoices",
        {
            "direction": {"enum": ["receivable", "payable"]},
            "issued_at": DATE,
            "due_at": DATE,
            "paid_at": {"anyOf": [DATE, {"type": "null"}]},
            "counterparty_ref": _REF,
        },
        ["direction", "issued_at", "due_at", "counterparty_ref"],
    ),
    Category.LOGISTICS: _schema(
        "logistics",
        {
            "shipped_at": DATE_TIME,
            "delivered_at": {"anyOf": [DATE_TIME, {"type": "null"}]},
            "status": {"enum": ["delivered", "in_transit", "returned", "lost"]},
            "destination": {"type": "string", "pattern": "^[A-Z]{2}$", "description": "ISO 3166 alpha-2 country"},
        },
        ["shipped_at", "status", "destination"],
    ),
    Category.UTILITIES: _schema(
        "utilities",
        {
            "utility_type": {"enum": ["electricity", "water", "gas", "telecom"]},
            "billing_period": {"type": "string", "pattern": r"^\d{4}-\d{2}$", "description": "month, YYYY-MM"},
            "due_at": DATE,
            "paid_at": {"anyOf": [DATE, {"type": "null"}]},
        },
        ["utility_type", "billing_period", "due_at"],
    ),
    Category.PROFILE: _schema(
        "profile",
        {
            "legal_name": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "text, up to 200 characters",
            },
            "incorporated_on": DATE,
            "status": {"enum": ["live", "dormant", "dissolved", "in_liquidation"]},
            "industry_code": {"type": "string", "maxLength": 10, "description": "text, up to 10 characters"},
        },
        ["legal_name", "incorporated_on", "status", "industry_code"],
        money=False,
    ),
}
# Compiled once to plain Python: validating a batch of a thousand pushed records is on a hot path.
_VALIDATORS = {category: fastjsonschema.compile(schema) for category, schema in SCHEMAS.items()}
# Fields kept in the record's own columns; the rest of a category's fields go to ``attributes``.
_COLUMNS = {"external_id", "occurred_at", "amount", "currency", "business_brn", "category"}
_DATE_FIELDS = {"issued_at", "due_at", "paid_at", "incorporated_on"}
_DATE_TIME_FIELDS = {"shipped_at", "delivered_at"}


class InvalidRecord(ValueError):
    """A record that does not fit its category's schema; the message says why."""


@dataclass(frozen=True)
class Normalised:
    external_id: str
    occurred_at: datetime
    amount: Decimal | None
    currency: str
    attributes: dict


def _parse_datetime(value: str, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRecord(f"{field}: {value!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise InvalidRecord(f"{field}: {value!r} has no UTC offset")
    return parsed


def normalise(category: str, record: dict) -> Normalised:
    """Validates one record against its category's schema and returns what the hub stores."""
    validator = _VALIDATORS.get(category)
    if validator is None:
        raise InvalidRecord(f"category: unknown category {category!r}")
    if not isinstance(record, dict):
        raise InvalidRecord("a record must be a JSON object")
    try:
        validator(record)
    except fastjsonschema.JsonSchemaValueException as error:
        where = ".".join(str(part) for part in error.path[1:]) or "record"
        raise InvalidRecord(f"{where}: {error.message.removeprefix('data.').removeprefix('data ')}") from None
    occurred_at = _parse_datetime(record["occurred_at"], "occurred_at")
    attributes = {
        key: value for key, value in record.items() if key not in _COLUMNS and key in SCHEMAS[category]["properties"]
    }
    for field in _DATE_FIELDS & attributes.keys():
        if attributes[field] is not None:
            try:
                date.fromisoformat(attributes[field])
            except ValueError:
                raise InvalidRecord(f"{field}: {attributes[field]!r} is not a date") from None
    for field in _DATE_TIME_FIELDS & attributes.keys():
        if attributes[field] is not None:
            _parse_datetime(attributes[field], field)
    # A category without an amount (profile) stores none, whatever else the record carries.
    money = "amount" in SCHEMAS[category]["properties"]
    try:
        amount = Decimal(record["amount"]) if money else None
    except InvalidOperation:
        raise InvalidRecord(f"amount: {record['amount']!r} is not a decimal") from None
    return Normalised(
        external_id=record["external_id"],
        occurred_at=occurred_at,
        amount=amount,
        currency=record["currency"] if money else "",
        attributes=attributes,
    )
