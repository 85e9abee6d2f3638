"""The SME's dossier page and the operator dashboard in real headless Chromium."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from banks.models import LoanApplication
from dashboard.services import metrics_rollup
from hub.demo_history import seed_history
from hub.templatetags.hub_format import percent
from tests.browser.conftest import log_in, shot
from tests.providers.helpers import authorised_consent, built_dossier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_sme_opens_the_dossier_its_bank_receives_with_charts_in_both_languages(
    page, live_server, sandboxes, bank_a, sme
):
    consent = authorised_consent(bank_a, sme, ["sales", "payments", "invoices", "utilities"], months=12)
    dossier = built_dossier(bank_a, consent)
    assert dossier.status == "ready"
    metrics = dossier.metrics

    log_in(page, live_server.url, "tea-viewer")
    page.goto(f"{live_server.url}/consents/{consent.pk}/")
    page.click(".dossier-link")
    page.wait_for_selector("#revenue-chart svg")
    assert page.inner_text("#dossier-status") == "Ready"
    assert page.inner_text("#tile-revenue").startswith("HK$")
    for chart in ("#revenue-chart", "#cash-chart"):
        assert page.locator(f"{chart} svg path").count() > 5
    # Every figure the bank receives is on the page, not only the headline tiles.
    revenue, invoices = metrics["revenue"], metrics["invoices"]
    assert page.inner_text("#fig-mom_growth") == percent(revenue["mom_growth"], "signed")
    assert page.inner_text("#fig-top5_customer_share_12m") == percent(revenue["top5_customer_share_12m"])
    assert page.inner_text("#fig-overdue_receivables_ratio") == percent(invoices["overdue_receivables_ratio"])
    assert page.inner_text("#fig-days_sales_outstanding").endswith(" days")
    assert page.locator("#coverage-sources tbody tr").count() == len(metrics["coverage"]["by_source"]) == 4
    assert page.locator("#months tbody tr").count() == len(metrics["revenue"]["monthly"])
    shot(page, "sme-dossier-en")
    with page.expect_download() as download_info:
        page.click("#dossier-json")
    downloaded = json.loads(Path(download_info.value.path()).read_text())
    assert (downloaded["id"], downloaded["signature"]) == (str(dossier.pk), dossier.signature)
    page.get_by_role("button", name="繁體中文").click()
    page.wait_for_selector("text=信貸報告")
    assert "每月收入" in page.inner_text("#revenue-chart")
    shot(page, "sme-dossier-zh-hant")


def test_the_operator_dashboard_shows_figures_draws_charts_and_exports_csv(
    page, live_server, bank_a, bank_b, sme, provider
):
    seed_history()
    metrics_rollup()
    get_user_model().objects.create_user(username="ops", password="a-long-password-1", is_staff=True)
    log_in(page, live_server.url, "ops")
    page.goto(f"{live_server.url}/operator/")
    page.wait_for_selector("#loans-chart svg")
    assert page.inner_text("#tile-loan_applications") == str(LoanApplication.objects.count())
    assert page.inner_text("#tile-banks") == "2"
    for chart in ("#loans-chart", "#credit-chart", "#consents-chart"):
        assert page.locator(f"{chart} svg path").count() > 5
    shot(page, "operator-dashboard")
    with page.expect_download() as download_info:
        page.click("#csv-per_bank")
    rows = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert sum(int(row["loan_applications"]) for row in rows) == LoanApplication.objects.count()
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "operator-dashboard-phone")
