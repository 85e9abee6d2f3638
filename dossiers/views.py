from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from consent.models import Consent
from consent.selectors import consent_for_user
from dossiers.apis import DossierOutput
from dossiers.models import Dossier
from hub.categories import Category
from hub.charts import bar_chart, line_chart

SOURCE_STATUS = {
    "completed": gettext_lazy("Complete"),
    "partial": gettext_lazy("Partly complete"),
    "failed": gettext_lazy("Failed"),
    "pending": gettext_lazy("Still running"),
    "running": gettext_lazy("Still running"),
    # A provider without an API sends its records to the hub instead of being fetched from.
    "pushed": gettext_lazy("Sent by the provider"),
}
REGISTRY_STATUS = {
    "live": gettext_lazy("Live"),
    "dormant": gettext_lazy("Dormant"),
    "dissolved": gettext_lazy("Dissolved"),
    "in_liquidation": gettext_lazy("In liquidation"),
}


def _visible_dossier(request: HttpRequest, consent_id, dossier_id) -> tuple[Consent, Dossier]:
    consent, _membership = consent_for_user(request.user, consent_id)
    return consent, get_object_or_404(Dossier, pk=dossier_id, consent=consent)


def _month_by_month(metrics: dict) -> list[dict]:
    """Revenue and cash flow side by side, one row a month, as the two monthly series run."""
    cash = {row["month"]: row for row in metrics["cash_flow"]["monthly"]}
    return [
        {**row, "cash": cash.get(row["month"], {"inflow": 0.0, "outflow": 0.0, "net": 0.0})}
        for row in metrics["revenue"]["monthly"]
    ]


def _sections(metrics: dict) -> dict:
    """Labels the page needs beside the figures: categories and registry statuses in the reader's language."""
    profile = metrics["profile"]
    by_source = [{**row, "category_label": Category(row["category"]).label} for row in metrics["coverage"]["by_source"]]
    return {
        "by_source": by_source,
        "months": _month_by_month(metrics),
        "registry_status": REGISTRY_STATUS.get(profile.get("registry_status"), profile.get("registry_status")),
    }


@login_required
@require_GET
def sme_dossier(request: HttpRequest, consent_id, dossier_id) -> HttpResponse:
    """The dossier exactly as the bank receives it, for the SME whose data it is built from."""
    consent, dossier = _visible_dossier(request, consent_id, dossier_id)
    sources = [
        {
            **source,
            "category_label": Category(source["category"]).label,
            "status_label": SOURCE_STATUS.get(source["status"], source["status"]),
        }
        for source in dossier.sources
    ]
    context = {"consent": consent, "dossier": dossier, "metrics": dossier.metrics, "sources": sources}
    if dossier.metrics:
        context.update(_sections(dossier.metrics))
        revenue = dossier.metrics["revenue"]["monthly"]
        cash = dossier.metrics["cash_flow"]["monthly"]
        context["revenue_chart"] = line_chart(
            _("Monthly revenue (HK$)"),
            [row["month"] for row in revenue],
            {_("Net revenue"): [row["net"] for row in revenue], _("Refunds"): [row["refunds"] for row in revenue]},
            nonce=str(request.csp_nonce),
        )
        context["cash_chart"] = bar_chart(
            _("Monthly cash flow (HK$)"),
            [row["month"] for row in cash],
            {_("Money in"): [row["inflow"] for row in cash], _("Money out"): [row["outflow"] for row in cash]},
            nonce=str(request.csp_nonce),
        )
    return render(request, "dossiers/sme_dossier.html", context)


@login_required
@require_GET
def sme_dossier_json(request: HttpRequest, consent_id, dossier_id) -> HttpResponse:
    """The dossier as the bank's API answers it, signature included, to keep or to check."""
    _consent, dossier = _visible_dossier(request, consent_id, dossier_id)
    response = JsonResponse(DossierOutput(dossier).data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="dossier-{dossier.pk}.json"'
    return response
