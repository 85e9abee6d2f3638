"""The category schemas (providers/schemas.py) described for people and for tools: the table in
docs/providers.md (``manage.py record_schemas`` prints it; a test keeps the two alike) and the record
shapes of the OpenAPI schema. Both are made from SCHEMAS, so neither can drift from what is validated."""

from providers.schemas import DATE, DATE_TIME, SCHEMAS

COMMON = ["external_id", "occurred_at", "amount", "currency"]
# The OpenAPI 3.0 keywords a category schema's property may carry over as they are.
_KEPT = ("type", "enum", "pattern", "minLength", "maxLength", "description")


def _nullable(schema: dict) -> tuple[dict, bool]:
    """The schema without its ``anyOf [..., null]`` wrapper, and whether null was allowed."""
    if "anyOf" not in schema:
        return schema, False
    (kind,) = [option for option in schema["anyOf"] if option.get("type") != "null"]
    return kind, True


def _field(name: str, schema: dict, required: bool) -> str:
    schema, nullable = _nullable(schema)
    if "enum" in schema:
        values = [f"`{value}`" for value in schema["enum"]]
        what = ", ".join(values[:-1]) + f" or {values[-1]}"
        if "description" in schema:
            what = f"{schema['description']}: {what}"
    else:
        what = schema["description"]
    if nullable:
        what += ", or null"
    if not required:
        what += "; optional"
    return f"`{name}` ({what})"


def markdown_table() -> str:
    """The fields of every record, then each category's own, as the Markdown table docs/providers.md shows."""
    first = next(iter(SCHEMAS.values()))
    lines = [
        "| category | fields |",
        "|---|---|",
        "| every one | " + "; ".join(_field(name, first["properties"][name], True) for name in COMMON) + " |",
    ]
    for category, schema in SCHEMAS.items():
        fields = [
            _field(name, field, name in schema["required"])
            for name, field in schema["properties"].items()
            if name not in COMMON
        ]
        if "amount" not in schema["properties"]:
            fields.append("no `amount` or `currency`")
        lines.append(f"| `{category}` | " + "; ".join(fields) + " |")
    return "\n".join(lines) + "\n"


def _openapi_property(schema: dict) -> dict:
    schema, nullable = _nullable(schema)
    converted = {key: schema[key] for key in _KEPT if key in schema}
    converted.setdefault("type", "string")
    if schema == DATE_TIME:
        converted["format"] = "date-time"
    elif schema == DATE:
        converted["format"] = "date"
    if nullable:
        converted["nullable"] = True
    return converted


def openapi_fields(category: str) -> dict:
    """A category's own record fields (with its ``category``) as an OpenAPI 3.0 schema."""
    schema = SCHEMAS[category]
    properties = {name: _openapi_property(field) for name, field in schema["properties"].items()}
    properties["category"] = {"type": "string", "enum": [category]}
    return {"type": "object", "properties": properties, "required": [*schema["required"], "category"]}


def openapi_pushed() -> dict:
    """What a pushed record carries besides its category's fields."""
    brn = {"type": "string", "pattern": r"^\d{8}$", "description": "the business's BRN"}
    return {"type": "object", "properties": {"business_brn": brn}, "required": ["business_brn"]}


def openapi_served(category: str) -> dict:
    """What the records API adds to a record's category fields."""
    money = "amount" in SCHEMAS[category]["properties"]
    hkd = {"type": "string"} if money else {"type": "string", "nullable": True}
    properties = {
        "provider": {"type": "string", "description": "the provider's slug"},
        "amount_hkd": {**hkd, "description": "the amount in HKD, converted when the hub stored the record"},
        "fx_rate": {**hkd, "description": "the rate to HKD used, from the hub's FX table"},
    }
    if not money:
        # Served all the same, as null: a profile has no amount.
        properties["amount"] = {"type": "string", "nullable": True, "description": "null: no amount"}
        properties["currency"] = {"type": "string", "nullable": True, "description": "null: no amount"}
    required = list(dict.fromkeys(["amount", "currency", *properties]))
    return {"type": "object", "properties": properties, "required": required}
