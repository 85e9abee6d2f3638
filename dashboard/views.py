"""/operator/: the hub's figures in the style of the HKMA's own reporting, for staff only."""

import csv

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dashboard.services import metrics_latest, metrics_rollup
from hub.charts import bar_chart, line_chart

EXPORTS = {
    "monthly": lambda figures: figures["monthly"],
    "per_bank": lambda figures: figures["per_bank"],
    "funnel": lambda figures: [{"stage": stage, "consents": count} for stage, count in figures["funnel"].items()],
    "providers": lambda figures: figures["providers"],
}


@staff_member_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    snapshot = metrics_latest()
    figures = snapshot.figures
    months = [row["month"] for row in figures["monthly"]]
    context = {
        "snapshot": snapshot,
        "figures": figures,
        "loans_chart": bar_chart(
            _("Loan applications facilitated"),
            months,
            {
                _("Applications"): [row["loan_applications"] for row in figures["monthly"]],
                _("Approved"): [row["approved"] for row in figures["monthly"]],
            },
            nonce=str(request.csp_nonce),
        ),
        "credit_chart": line_chart(
            _("Credit approved (HK$)"),
            months,
            {
                _("Credit approved"): [row["credit_approved_hkd"] for row in figures["monthly"]],
            },
            nonce=str(request.csp_nonce),
        ),
        "consents_chart": line_chart(
            _("Consents"),
            months,
            {
                _("Requested"): [row["consents_requested"] for row in figures["monthly"]],
                _("Authorised"): [row["consents_authorised"] for row in figures["monthly"]],
            },
            nonce=str(request.csp_nonce),
        ),
    }
    return render(request, "dashboard/dashboard.html", context)


@staff_member_required
@require_POST
def refresh(request: HttpRequest) -> HttpResponse:
    metrics_rollup()
    return redirect("operator-dashboard")


@staff_member_required
@require_GET
def export(request: HttpRequest, table: str) -> HttpResponse:
    if table not in EXPORTS:
        raise Http404
    rows = EXPORTS[table](metrics_latest().figures)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cdi-{table}.csv"'
    if rows:
        writer = csv.DictWriter(response, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return response
