from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from consent.selectors import consent_for_user
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


@login_required
@require_GET
def sme_dossier(request: HttpRequest, consent_id, dossier_id) -> HttpResponse:
    """The dossier exactly as the bank receives it, for the SME whose data it is built from."""
    consent, _membership = consent_for_user(request.user, consent_id)
    dossier = get_object_or_404(Dossier, pk=dossier_id, consent=consent)
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
