"""manage.py load_fx_rates: loads a dated rates CSV, or refuses it whole, naming each bad line and field."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from hub.models import FxRate

pytestmark = pytest.mark.django_db
HEADER = "date,currency,rate_to_hkd\n"


def load(tmp_path, text: str) -> str:
    path = tmp_path / "rates.csv"
    path.write_text(text)
    out = StringIO()
    call_command("load_fx_rates", str(path), stdout=out)
    return out.getvalue()


def test_it_loads_rates_and_loading_again_updates_them(tmp_path):
    assert "Loaded 2 FX rates" in load(tmp_path, HEADER + "2026-01-01,USD,7.81\n2026-01-01, eur ,8.5\n")
    load(tmp_path, HEADER + "2026-01-01,USD,7.82\n")
    assert dict(FxRate.objects.values_list("currency", "rate_to_hkd")) == {
        "USD": Decimal("7.82"),
        "EUR": Decimal("8.5"),
    }


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("2026-01-01,USD,0", "line 3: rate_to_hkd: '0' must be above 0"),
        ("2026-01-01,USD,-7.8", "line 3: rate_to_hkd: '-7.8' must be above 0"),
        ("2026-01-01,USD,NaN", "line 3: rate_to_hkd: 'NaN' must be above 0"),
        ("2026-01-01,USD,1e12", "line 3: rate_to_hkd: '1e12' must be above 0 and below 10,000,000,000"),
        ("2026-01-01,USD,0.000000001", "line 3: rate_to_hkd: '0.000000001' has more than 8 decimal places"),
        ("2026-01-01,USD,seven", "line 3: rate_to_hkd: 'seven' is not a number"),
        ("2026-01-01,USD,", "line 3: rate_to_hkd: '' is not a number"),
        ("2026-01-01,US,7.8", "line 3: currency: 'US' is not an ISO 4217 code"),
        ("2026-01-01,US$,7.8", "line 3: currency: 'US$' is not an ISO 4217 code"),
        ("2026-01-01,HKD,1", "line 3: currency: HKD is the reporting currency"),
        ("01/01/2026,USD,7.8", "line 3: date: '01/01/2026' is not a YYYY-MM-DD date"),
        ("2026-01-02,CNY,1.08", "line 3: CNY on 2026-01-02 is already on line 2"),
    ],
)
def test_a_bad_row_is_named_by_line_and_field_and_nothing_is_loaded(tmp_path, row, problem):
    with pytest.raises(CommandError, match="nothing was loaded") as refused:
        load(tmp_path, HEADER + "2026-01-02,CNY,1.09\n" + row + "\n")
    assert problem in str(refused.value)
    assert not FxRate.objects.exists()


def test_every_bad_line_is_reported_at_once(tmp_path):
    with pytest.raises(CommandError) as refused:
        load(tmp_path, HEADER + "2026-01-01,USD,0\n2026-01-01,EUR,8.5\nyesterday,X,1\n")
    message = str(refused.value)
    assert "line 2: rate_to_hkd" in message
    assert "line 4: date" in message and "line 4: currency" in message
    assert "line 3" not in message


def test_a_file_without_the_expected_header_is_refused(tmp_path):
    with pytest.raises(CommandError, match="line 1: the header lacks rate_to_hkd"):
        load(tmp_path, "date,currency,rate\n2026-01-01,USD,7.8\n")


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("load_fx_rates", str(tmp_path / "none.csv"))
