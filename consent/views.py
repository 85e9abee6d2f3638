"""The SME's pages: dashboard, consent detail with history and receipts, and the decisions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from audit.models import AuditEntry
from consent import services
from consent.models import Consent, ConsentReceipt, Status
from consent.selectors import consent_for_user, consents_for_user

ACTIONS = {
    "approve": (services.consent_authorise, gettext_lazy("You approved the request.")),
    "reject": (services.consent_reject, gettext_lazy("You rejected the request.")),
    "pause": (services.consent_pause, gettext_lazy("Sharing is paused.")),
    "resume": (services.consent_resume, gettext_lazy("Sharing has resumed.")),
    "revoke": (services.consent_revoke, gettext_lazy("You revoked the consent.")),
}
# Which actions each status offers, in the order the buttons appear.
OFFERED = {
    Status.AWAITING_AUTHORISATION: ["approve", "reject"],
    Status.AUTHORISED: ["pause", "revoke"],
    Status.PAUSED: ["resume", "revoke"],
}


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    services.consents_expire_due(among=consents_for_user(request.user))
    consents = list(consents_for_user(request.user).prefetch_related("providers"))
    sections = [
        ("pending", _("Waiting for your decision"), [Status.AWAITING_AUTHORISATION]),
        ("active", _("Active and paused"), [Status.AUTHORISED, Status.PAUSED]),
        ("past", _("Past"), [Status.REJECTED, Status.REVOKED, Status.EXPIRED]),
    ]
    grouped = [(key, title, [c for c in consents if c.status in statuses]) for key, title, statuses in sections]
    businesses = [m.business for m in request.user.memberships.select_related("business")]
    return render(request, "consent/dashboard.html", {"sections": grouped, "businesses": businesses})


# The page lists this many of the newest accesses and says so when there are more.
HISTORY_ACCESSES = 500


def _history(consent: Consent) -> tuple[list[dict], bool]:
    """State changes from the audit log and data accesses, newest first; and whether older accesses were left out."""
    changes = [
        {"at": entry.at, "kind": "change", "action": entry.action, "actor": entry.actor, "data": entry.data}
        for entry in AuditEntry.objects.filter(object_type="consent", object_id=str(consent.pk))
    ]
    accesses = [
        {"at": event.at, "kind": event.kind, "event": event}
        for event in consent.access_events.select_related("provider")[: HISTORY_ACCESSES + 1]
    ]
    shortened = len(accesses) > HISTORY_ACCESSES
    return sorted(changes + accesses[:HISTORY_ACCESSES], key=lambda item: item["at"], reverse=True), shortened


@login_required
@require_GET
def detail(request: HttpRequest, consent_id) -> HttpResponse:
    consent, membership = consent_for_user(request.user, consent_id)
    context = {
        "consent": consent,
        "membership": membership,
        "actions": OFFERED.get(consent.status, []) if membership.can_decide else [],
        "receipts": consent.receipts.all(),
        "dossiers": consent.dossiers.all(),
    }
    context["history"], shortened = _history(consent)
    context["history_limit"] = HISTORY_ACCESSES if shortened else None
    return render(request, "consent/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, consent_id, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    consent, membership = consent_for_user(request.user, consent_id)
    if not membership.can_decide:
        raise PermissionDenied
    if request.method == "GET":
        return render(request, "consent/confirm.html", {"consent": consent, "action": action})
    service, done = ACTIONS[action]
    try:
        service(consent=consent, user=request.user)
    except services.IllegalTransition:
        messages.error(
            request,
            _("This consent can no longer be changed that way; it is now %(status)s.")
            % {"status": Consent.objects.get(pk=consent.pk).get_status_display()},
        )
    else:
        messages.success(request, done)
    return redirect("consent-detail", consent_id=consent.pk)


@login_required
@require_GET
def receipt_download(request: HttpRequest, consent_id, receipt_id) -> HttpResponse:
    consent, _membership = consent_for_user(request.user, consent_id)
    receipt = get_object_or_404(ConsentReceipt, pk=receipt_id, consent=consent)
    response = HttpResponse(receipt.jws, content_type="application/jose")
    response["Content-Disposition"] = f'attachment; filename="consent-receipt-{receipt.pk}.jws"'
    return response
