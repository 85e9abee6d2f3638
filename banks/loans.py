"""Loan applications: reported by banks against their consents, feeding the hub's metrics."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from banks.models import LoanApplication
from consent.models import Consent
from dashboard.services import metrics_rollup_soon
from hub.errors import IllegalTransitionError
from hub.fx import NoRate, RateBook
from participants.models import Participant

DECISIONS = ("approved", "declined", "withdrawn")
# Loan amounts are stored with 14 digits before the point.
MAX_AMOUNT_HKD = Decimal(10) ** 14


class IllegalLoanTransition(IllegalTransitionError):
    pass


def loan_submit(
    *, bank: Participant, consent: Consent, amount: Decimal, currency: str, product: str
) -> LoanApplication:
    """``consent`` must already be one the bank may see (the API looks it up for the bank)."""
    if consent.status in (Consent.Status.AWAITING_AUTHORISATION, Consent.Status.REJECTED):
        raise ValidationError({"consent_id": f"The consent was never authorised (it is {consent.status})."})
    today = timezone.localdate()
    try:
        amount_hkd, rate, _ = RateBook({currency}, until=today).to_hkd(amount, currency, today)
    except NoRate as exc:
        raise ValidationError({"currency": str(exc)}) from None
    if amount_hkd >= MAX_AMOUNT_HKD:
        raise ValidationError({"amount": "Its HKD equivalent is more than the hub can record."})
    with transaction.atomic():
        application = LoanApplication.objects.create(
            bank=bank,
            consent=consent,
            business_id=consent.business_id,
            product=product,
            amount=amount,
            currency=currency,
            amount_hkd=amount_hkd,
            fx_rate=rate,
        )
        audit_record(
            actor=f"bank:{bank.slug}",
            action="loan.submitted",
            object_type="loan_application",
            object_id=str(application.pk),
            data={"amount_hkd": str(amount_hkd), "consent_id": str(consent.pk)},
        )
        transaction.on_commit(metrics_rollup_soon)
    return application


def loan_decide(
    *, application: LoanApplication, status: str, approved_amount: Decimal | None = None
) -> LoanApplication:
    """submitted -> approved | declined | withdrawn; anything else is an illegal transition."""
    if status not in DECISIONS:
        raise ValidationError({"status": f"Use one of {', '.join(DECISIONS)}."})
    if status == "approved" and approved_amount is None:
        raise ValidationError({"approved_amount": "An approval needs the approved amount."})
    if status != "approved" and approved_amount is not None:
        raise ValidationError({"approved_amount": "Only an approval carries an approved amount."})
    with transaction.atomic():
        application = LoanApplication.objects.select_for_update(no_key=True).get(pk=application.pk)
        if application.status != LoanApplication.Status.SUBMITTED:
            raise IllegalLoanTransition(f"A loan application that is {application.status} cannot become {status}.")
        if approved_amount is not None:
            if not 0 < approved_amount <= application.amount:
                raise ValidationError({"approved_amount": "It must be more than 0 and at most the amount asked."})
            application.approved_amount = approved_amount
            application.approved_amount_hkd = (approved_amount * application.fx_rate).quantize(Decimal("0.01"))
        application.status, application.decided_at = status, timezone.now()
        application.save(update_fields=["status", "decided_at", "approved_amount", "approved_amount_hkd"])
        audit_record(
            actor=f"bank:{application.bank.slug}",
            action=f"loan.{status}",
            object_type="loan_application",
            object_id=str(application.pk),
            data={"approved_amount_hkd": str(application.approved_amount_hkd or "")},
        )
        transaction.on_commit(metrics_rollup_soon)
    return application
