"""The category schemas are defined once: the documentation's table and the OpenAPI schema are made from them."""

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from providers.schema_docs import markdown_table
from providers.schemas import SCHEMAS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "providers.md"


def test_the_providers_guide_shows_the_table_made_from_the_schemas():
    # If this fails, paste the output of `manage.py record_schemas` over the table in docs/providers.md.
    assert markdown_table() in DOCS.read_text()


def test_record_schemas_prints_that_table():
    out = StringIO()
    call_command("record_schemas", stdout=out)
    assert out.getvalue() == markdown_table()


def test_the_table_names_every_field_and_choice_of_every_category():
    table = markdown_table()
    for category, schema in SCHEMAS.items():
        row = next(line for line in table.splitlines() if line.startswith(f"| `{category}` |"))
        for name, field in schema["properties"].items():
            assert f"`{name}`" in table, (category, name)
            for value in field.get("enum", []):
                assert f"`{value}`" in (row if name != "currency" else table), (category, name, value)


@pytest.fixture(scope="module")
def openapi() -> dict:
    out = StringIO()
    call_command("spectacular", stdout=out)
    return yaml.safe_load(out.getvalue())


def test_the_openapi_schema_describes_each_categorys_record_pushed_and_served(openapi):
    components = openapi["components"]["schemas"]
    push = openapi["paths"]["/api/v1/provider/records"]["post"]["requestBody"]["content"]["application/json"]
    pushed = components[push["schema"]["$ref"].rsplit("/", 1)[1]]["properties"]["records"]["items"]
    page = openapi["paths"]["/api/v1/consents/{consent_id}/records"]["get"]["responses"]["200"]["content"]
    served = components[page["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]["properties"]["results"]["items"]
    for category, schema in SCHEMAS.items():
        title = str(category).capitalize()
        fields = components[f"{title}Fields"]
        assert set(fields["properties"]) == {*schema["properties"], "category"}
        assert set(fields["required"]) == {*schema["required"], "category"}
        assert pushed["discriminator"]["mapping"][category].endswith(f"/Pushed{title}Record")
        assert served["discriminator"]["mapping"][category].endswith(f"/{title}Record")
    assert "business_brn" in components["PushedSalesRecord"]["allOf"][1]["properties"]
    assert {"provider", "amount_hkd", "fx_rate"} <= set(components["SalesRecord"]["allOf"][1]["properties"])
