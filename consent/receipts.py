"""Consent receipts: fields after ISO/IEC TS 27560 and the Kantara consent receipt, signed as a JWS."""

import uuid

from django.conf import settings
from django.utils import timezone

from consent.models import Consent, ConsentReceipt
from hub import keys

RECEIPT_VERSION = "cdi-hub-receipt/1"


def receipt_payload(*, consent: Consent, receipt_id: uuid.UUID, issued_at) -> dict:
    spec = consent.purpose_spec
    return {
        "version": RECEIPT_VERSION,
        "receipt_id": str(receipt_id),
        "timestamp": issued_at.isoformat(),
        "jurisdiction": "HK",
        "consent_id": str(consent.id),
        "status": consent.status,
        "controller": {"name": consent.bank.name, "id": consent.bank.slug},
        "processor": {"name": "CDI Hub", "url": settings.HUB_BASE_URL},
        "data_subject": {"brn": consent.business.brn, "legal_name": consent.business.legal_name},
        "purposes": [
            {
                "purpose": consent.purpose,
                "description": str(spec.description),
                "retention_days": spec.retention.days,
                "fetch": spec.fetch_kind,
            }
        ],
        "categories": consent.data_categories,
        "providers": sorted(consent.providers.values_list("slug", flat=True)),
        "period": {
            "data_from": consent.date_from.isoformat(),
            "data_to": consent.date_to.isoformat(),
            "consent_expires_at": consent.expires_at.isoformat(),
        },
        "decided_at": consent.decided_at.isoformat() if consent.decided_at else None,
        "status_changed_at": consent.status_changed_at.isoformat(),
    }


def receipt_issue(*, consent: Consent) -> ConsentReceipt:
    """Signs and stores the receipt of the consent's current state. Call inside the transition."""
    receipt_id = uuid.uuid4()
    issued_at = timezone.now()
    payload = receipt_payload(consent=consent, receipt_id=receipt_id, issued_at=issued_at)
    return ConsentReceipt.objects.create(
        id=receipt_id,
        consent=consent,
        status=consent.status,
        issued_at=issued_at,
        payload=payload,
        jws=keys.sign(payload),
    )
