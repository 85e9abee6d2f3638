"""The pages satisfy the content security policy they are served with: nothing refused in Chromium."""

import pytest
from django.contrib.auth import get_user_model

from dashboard.services import metrics_rollup
from hub.demo_history import seed_history
from tests.browser.conftest import log_in
from tests.providers.helpers import authorised_consent, built_dossier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_page_loads_without_a_policy_violation(page, live_server, sandboxes, bank_a, sme):
    consent = authorised_consent(bank_a, sme, ["sales", "payments"], months=6)
    dossier = built_dossier(bank_a, consent)
    seed_history()
    metrics_rollup()
    get_user_model().objects.filter(pk=sme.owner.pk).update(is_staff=True)

    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(f"{page.url}: {message.text}") if "Content Security Policy" in message.text else None
        ),
    )
    response = page.goto(f"{live_server.url}/accounts/login/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    log_in(page, live_server.url, "tea-owner")
    for path in [
        "/consents/",
        f"/consents/{consent.pk}/",
        f"/consents/{consent.pk}/dossiers/{dossier.pk}/",
        f"/consents/{consent.pk}/revoke/",
        "/operator/",
        "/",
    ]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .title")
    assert "CDI Hub API" in page.inner_text(".swagger-ui .title")
    assert refused == []
