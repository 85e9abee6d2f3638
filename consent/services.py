"""Every write to a consent: creation and each transition of its state machine.

A transition locks the row, checks the move is legal, stamps the change, and in the same
transaction writes the audit entry, issues the signed receipt and queues the bank's
webhooks (sent once the transaction commits).
"""

import hashlib
import json
from datetime import UTC, date, datetime
from itertools import groupby
from operator import itemgetter

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from audit.models import AuditEntry, ChainHead
from audit.services import Verification, audit_record
from banks.services import webhook_publish
from businesses.models import Business, Membership
from consent.models import FINAL, TRANSITIONS, AccessEvent, Consent, Status
from consent.purposes import PURPOSES
from consent.receipts import receipt_issue
from dashboard.services import metrics_rollup_soon
from hub.errors import IllegalTransitionError
from participants.models import Participant
from providers.models import Provider

# Stands for "the moment of the transition" in the stamps handed to _transition, so every stamp of one
# change carries the same time.
NOW = object()


# Keeps every date the fetcher and the dossier compute from a consent's range far from year 1.
EARLIEST_DATA_DATE = date(1970, 1, 1)


class IllegalTransition(IllegalTransitionError):
    """The consent's current state does not allow the requested change."""

    def __init__(self, consent: Consent, target: str):
        self.consent, self.target = consent, target
        super().__init__(f"A consent that is {consent.status} cannot become {target}.")


class NotAllowed(Exception):
    """The user may see the consent but not act on it (a viewer)."""


def _validate_request(
    *,
    bank: Participant,
    business_brn: str,
    data_categories: list[str],
    providers: list[str] | None,
    purpose: str,
    date_from: date,
    date_to: date,
    expires_at: datetime,
    redirect_uri: str,
) -> tuple[Business | None, list[Participant]]:
    errors: dict[str, str] = {}
    business = Business.objects.filter(brn=business_brn).first()
    if business is None:
        errors["business_brn"] = f"No business with BRN {business_brn!r} is registered with the hub."
    spec = PURPOSES.get(purpose)
    if spec is None:
        errors["purpose"] = f"Unknown purpose {purpose!r}; use one of {', '.join(PURPOSES)}."
    categories = set(data_categories)
    if not categories:
        errors["data_categories"] = "Name at least one data category."
    elif spec and not categories <= spec.categories:
        errors["data_categories"] = (
            f"The purpose {purpose} does not cover: {', '.join(sorted(categories - spec.categories))}."
        )
    chosen = _providers_for(categories, providers, errors)
    if date_from < EARLIEST_DATA_DATE:
        errors["date_from"] = f"No provider holds data from before {EARLIEST_DATA_DATE.isoformat()}."
    elif date_from > date_to:
        errors["date_from"] = "date_from must not be after date_to."
    elif spec and not spec.allows_range(date_from, date_to):
        errors["date_from"] = f"The purpose {purpose} allows at most {spec.max_data_months} months of data."
    now = timezone.now()
    if expires_at <= now:
        errors["expires_at"] = "expires_at must be in the future."
    elif spec and expires_at > now + spec.max_duration:
        errors["expires_at"] = f"The purpose {purpose} allows a consent of at most {spec.max_duration.days} days."
    if redirect_uri and not bank.applications.filter(redirect_uris__contains=redirect_uri).exists():
        errors["redirect_uri"] = "redirect_uri is not one of your registered redirect URIs."
    if errors:
        raise ValidationError(errors)
    return business, chosen


def _providers_for(categories: set[str], slugs: list[str] | None, errors: dict) -> list[Participant]:
    active = Provider.objects.active()
    if slugs is None:
        # Default: every active provider offering one of the requested categories.
        chosen = [p for p in active if categories & set(p.data_categories)]
        if categories and not chosen:
            errors["providers"] = "No active provider holds any of the requested categories."
        return chosen
    found = {p.slug: p for p in active.filter(slug__in=slugs)}
    unknown = [slug for slug in slugs if slug not in found]
    unfit = [slug for slug, p in found.items() if not categories & set(p.data_categories)]
    if unknown:
        errors["providers"] = f"Unknown or inactive providers: {', '.join(unknown)}."
    elif unfit:
        errors["providers"] = f"These providers hold none of the requested categories: {', '.join(unfit)}."
    elif not slugs:
        errors["providers"] = "Name at least one provider, or leave providers out."
    return list(found.values())


def consent_create(
    *,
    bank: Participant,
    business_brn: str,
    data_categories: list[str],
    providers: list[str] | None,
    purpose: str,
    date_from: date,
    date_to: date,
    expires_at: datetime,
    redirect_uri: str = "",
) -> Consent:
    business, chosen = _validate_request(
        bank=bank,
        business_brn=business_brn,
        data_categories=data_categories,
        providers=providers,
        purpose=purpose,
        date_from=date_from,
        date_to=date_to,
        expires_at=expires_at,
        redirect_uri=redirect_uri,
    )
    with transaction.atomic():
        consent = Consent.objects.create(
            business=business,
            bank=bank,
            data_categories=sorted(set(data_categories)),
            purpose=purpose,
            date_from=date_from,
            date_to=date_to,
            expires_at=expires_at,
            redirect_uri=redirect_uri,
        )
        consent.providers.set(chosen)
        transaction.on_commit(metrics_rollup_soon)
        audit_record(
            actor=f"bank:{bank.slug}",
            action="consent.requested",
            object_type="consent",
            object_id=str(consent.id),
            data={
                "business": business.brn,
                "purpose": purpose,
                "categories": consent.data_categories,
                "providers": sorted(p.slug for p in chosen),
            },
        )
    return consent


def _event_name(previous: str, target: str) -> str:
    if target == Status.AUTHORISED and previous == Status.PAUSED:
        return "consent.resumed"
    return f"consent.{target}"


def _revoke_tokens(consent: Consent) -> None:
    get_refresh_token_model().objects.filter(access_token__consent_binding__consent=consent).delete()
    get_access_token_model().objects.filter(consent_binding__consent=consent).delete()


def _transition(consent_id, target: str, *, actor: str, repeatable: bool = False, **stamps) -> Consent:
    """Moves the consent to ``target``; with ``repeatable``, a consent already there is returned unchanged."""
    with transaction.atomic():
        # Only the consent's own row, and in a mode that leaves rows pointing at it (a dossier, an access
        # event) free to be written: locking the bank's or business's row too, as a plain FOR UPDATE of a
        # joined query does, deadlocked against every transaction inserting a row that refers to them.
        consent = (
            Consent.objects.select_for_update(of=("self",), no_key=True)
            .select_related("bank", "business")
            .get(pk=consent_id)
        )
        if repeatable and consent.status == target:
            return consent
        if consent.status not in TRANSITIONS[target]:
            raise IllegalTransition(consent, target)
        previous = consent.status
        now = timezone.now()
        consent.status, consent.status_changed_at = target, now
        for field, value in stamps.items():
            setattr(consent, field, now if value is NOW else value)
        consent.save(update_fields=["status", "status_changed_at", *stamps])
        if target in FINAL:
            _revoke_tokens(consent)
        event = _event_name(previous, target)
        audit_record(
            actor=actor,
            action=event,
            object_type="consent",
            object_id=str(consent.id),
            data={"from": previous, "to": target},
        )
        receipt_issue(consent=consent)
        _follow_up(consent, target)
        transaction.on_commit(metrics_rollup_soon)
        webhook_publish(
            bank=consent.bank,
            event=event,
            data={
                "consent_id": str(consent.id),
                "status": consent.status,
                "business_brn": consent.business.brn,
            },
        )
    return consent


def _follow_up(consent: Consent, target: str) -> None:
    """Data work a transition sets off, once it has committed: fetch when authorised, purge when ended."""
    from providers.tasks import fetch_consent, purge_consent

    if target == Status.AUTHORISED:
        fetch_consent.delay_on_commit(str(consent.pk))
    elif target in (Status.REVOKED, Status.EXPIRED):
        purge_consent.delay_on_commit(str(consent.pk), f"consent_{target}")


def _require_decider(consent: Consent, user: AbstractBaseUser) -> None:
    if not Membership.objects.filter(
        user=user, business_id=consent.business_id, role__in=Membership.DECIDING_ROLES
    ).exists():
        raise NotAllowed("Only an owner or an authorised signatory of the business may decide.")


def consent_authorise(*, consent: Consent, user: AbstractBaseUser) -> Consent:
    _require_decider(consent, user)
    consent = consent_expire_if_due(consent=consent)
    if consent.status != Status.AWAITING_AUTHORISATION:
        raise IllegalTransition(consent, Status.AUTHORISED)
    return _transition(
        consent.pk, Status.AUTHORISED, actor=f"user:{user.get_username()}", decided_at=NOW, decided_by=user
    )


def consent_reject(*, consent: Consent, user: AbstractBaseUser) -> Consent:
    _require_decider(consent, user)
    consent = consent_expire_if_due(consent=consent)
    return _transition(
        consent.pk, Status.REJECTED, actor=f"user:{user.get_username()}", decided_at=NOW, decided_by=user
    )


def consent_pause(*, consent: Consent, user: AbstractBaseUser) -> Consent:
    _require_decider(consent, user)
    consent = consent_expire_if_due(consent=consent)
    return _transition(consent.pk, Status.PAUSED, actor=f"user:{user.get_username()}")


def consent_resume(*, consent: Consent, user: AbstractBaseUser) -> Consent:
    _require_decider(consent, user)
    consent = consent_expire_if_due(consent=consent)
    if consent.status != Status.PAUSED:
        raise IllegalTransition(consent, Status.AUTHORISED)
    return _transition(consent.pk, Status.AUTHORISED, actor=f"user:{user.get_username()}")


def consent_revoke(
    *, consent: Consent, user: AbstractBaseUser | None = None, bank: Participant | None = None
) -> Consent:
    """Revokes for the SME (``user``) or the bank. Repeating it is harmless."""
    if user is not None:
        _require_decider(consent, user)
    consent = consent_expire_if_due(consent=consent)
    actor, by = (f"user:{user.get_username()}", "sme") if user is not None else (f"bank:{bank.slug}", "bank")
    return _transition(consent.pk, Status.REVOKED, actor=actor, repeatable=True, revoked_at=NOW, revoked_by=by)


def consent_expire_if_due(*, consent: Consent, at: datetime | None = None) -> Consent:
    """Expires the consent now if it is due, so a consent past its time is never served, sweep or not."""
    if not consent.is_due_to_expire(at):
        return consent
    try:
        return _transition(consent.pk, Status.EXPIRED, actor="hub")
    except IllegalTransition as exc:
        # Another request moved it first; answer with the state it is in now.
        return exc.consent


def consents_expire_due(*, at: datetime | None = None, among: QuerySet | None = None) -> int:
    """Expires every consent that is due (the beat sweep), or every one ``among`` some, before a list shows
    them. Returns how many it expired."""
    expired = 0
    consents = Consent.objects.all() if among is None else among
    for consent_id in consents.due_to_expire(at).values_list("pk", flat=True):
        try:
            _transition(consent_id, Status.EXPIRED, actor="hub")
            expired += 1
        except IllegalTransition:
            continue
    return expired


def access_reads_record(*, consent_id, counts: dict[str, int]) -> None:
    """Writes a page read by the bank to the consent's access history: one row per category, one statement.

    A single multi-row INSERT rather than bulk_create, which wraps even one statement in a
    transaction: on the records API's hot path that saves two round trips per page.
    """
    if not counts:
        return
    table = connection.ops.quote_name(AccessEvent._meta.db_table)
    fields = [AccessEvent._meta.get_field(name) for name in ("consent", "at", "kind", "category", "record_count")]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    now = timezone.now()
    params = [
        field.get_db_prep_value(value, connection)
        for category, count in counts.items()
        for field, value in zip(fields, (consent_id, now, AccessEvent.Kind.READ, category, count), strict=True)
    ]
    rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(counts))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {rows}", params)  # noqa: S608 - values are parameters


def _access_content(event: dict) -> bytes:
    content = {
        "id": event["id"],
        "consent": str(event["consent_id"]),
        "at": event["at"].astimezone(UTC).isoformat(timespec="microseconds"),
        "kind": event["kind"],
        "provider": event["provider_id"],
        "category": event["category"],
        "record_count": event["record_count"],
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode()


_SEALED_FIELDS = ("id", "consent_id", "at", "kind", "provider_id", "category", "record_count")


def access_seal(*, batch: int = 5000) -> int:
    """Seals the access events written since the last seal into the audit log: one entry whose digest
    covers each event's content, so changing or removing a sealed event breaks the log's verification.
    Returns how many events it sealed (beat runs it until it returns 0)."""
    with transaction.atomic():
        # Taken first, as audit_record would: sealers queue here instead of sealing the same events twice.
        ChainHead.objects.select_for_update().get_or_create(id=1)
        events = list(AccessEvent.objects.filter(seal__isnull=True).order_by("id").values(*_SEALED_FIELDS)[:batch])
        if not events:
            return 0
        digest = hashlib.sha256(b"\n".join(_access_content(event) for event in events)).hexdigest()
        ids = [event["id"] for event in events]
        entry = audit_record(
            actor="hub",
            action="access.sealed",
            object_type="access_events",
            object_id=f"{ids[0]}-{ids[-1]}",
            data={"count": len(ids), "digest": digest},
        )
        sealed = AccessEvent.objects.filter(id__in=ids, seal__isnull=True).update(seal=entry)
        if sealed != len(ids):
            raise RuntimeError("access events were sealed by another transaction meanwhile")
    return len(ids)


def access_seals_verify() -> Verification:
    """Recomputes every seal's digest from the events it covers: reports the first seal whose events
    were changed, removed or added to. Part of audit_verify."""
    seals = {entry.pk: entry for entry in AuditEntry.objects.filter(action="access.sealed").only("sequence", "data")}
    checked = len(seals)
    broken: list[AuditEntry] = []
    events = AccessEvent.objects.filter(seal__isnull=False).order_by("seal_id", "id").values("seal_id", *_SEALED_FIELDS)
    for seal_id, sealed in groupby(events.iterator(chunk_size=5000), key=itemgetter("seal_id")):
        entry = seals.pop(seal_id, None)
        if entry is None:
            return Verification(False, checked, None, f"access events point at seal {seal_id}, which is not in the log")
        contents = [_access_content(event) for event in sealed]
        digest = hashlib.sha256(b"\n".join(contents)).hexdigest()
        if (len(contents), digest) != (entry.data.get("count"), entry.data.get("digest")):
            broken.append(entry)
    # A seal left over covers events that are all gone.
    broken += seals.values()
    if broken:
        first = min(broken, key=lambda entry: entry.sequence)
        return Verification(False, checked, first.sequence, "access events it seals were changed or removed")
    return Verification(True, checked)
