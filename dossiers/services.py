"""Requesting and building credit dossiers: fetch what the consent allows, aggregate, sign, finish once."""

import contextlib
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from audit.services import audit_record
from banks.services import webhook_publish
from consent.models import AccessEvent, Consent
from consent.services import consent_expire_if_due
from dossiers.metrics import DossierMetrics
from dossiers.models import Dossier
from hub import keys
from hub.errors import ConsentNotLive
from participants.models import Participant
from providers import fetcher
from providers.models import FetchSession, Record


class DossierBusy(Exception):
    """Another worker holds the build's lease; try again once it may have lapsed."""


class IdempotencyKeyReused(Exception):
    """The bank used this Idempotency-Key for a dossier under another consent."""

    def __init__(self, dossier: Dossier) -> None:
        super().__init__(
            f"This Idempotency-Key was already used for dossier {dossier.pk} under consent {dossier.consent_id}; "
            "use a new key for another consent."
        )
        self.dossier = dossier


def _by_key(*, bank: Participant, consent: Consent, idempotency_key: str) -> Dossier | None:
    dossier = Dossier.objects.filter(bank=bank, idempotency_key=idempotency_key).first()
    if dossier is not None and dossier.consent_id != consent.pk:
        raise IdempotencyKeyReused(dossier)
    return dossier


def dossier_request(*, consent: Consent, bank: Participant, idempotency_key: str = "") -> Dossier:
    """Queues a new dossier; with an ``idempotency_key`` already used under this consent, returns that
    dossier instead (a bank retrying a request whose answer it lost gets one dossier, not two). Either way
    the consent must be live: no dossier is served under a consent that has ended."""
    if not consent.is_live():
        raise ConsentNotLive(f"The consent is {consent.status}; no dossier can be built under it.")
    if idempotency_key and (earlier := _by_key(bank=bank, consent=consent, idempotency_key=idempotency_key)):
        return earlier
    from dossiers.tasks import build

    try:
        with transaction.atomic():
            dossier = Dossier.objects.create(consent=consent, bank=bank, idempotency_key=idempotency_key)
            audit_record(
                actor=f"bank:{bank.slug}",
                action="dossier.requested",
                object_type="dossier",
                object_id=str(dossier.pk),
                data={"consent_id": str(consent.pk)},
            )
            build.delay_on_commit(str(dossier.pk))
    except IntegrityError:
        # The same key in a request running alongside this one: the unique constraint let only one in.
        earlier = idempotency_key and _by_key(bank=bank, consent=consent, idempotency_key=idempotency_key)
        if not earlier:
            raise
        return earlier
    return dossier


def dossiers_stalled() -> list:
    """Dossiers no worker is building: queued and never claimed for a while, or running with their lease
    run out. A worker killed outright, or a broker that lost its queue, leaves these behind."""
    now = timezone.now()
    forgotten = now - timedelta(seconds=settings.STALLED_AFTER_SECONDS)
    stalled = Q(status=Dossier.Status.QUEUED, created_at__lt=forgotten) | Q(
        status=Dossier.Status.RUNNING, lease_until__lt=now
    )
    return list(Dossier.objects.filter(stalled).values_list("pk", flat=True))


def _lease() -> timedelta:
    return timedelta(seconds=settings.DOSSIER_LEASE_SECONDS)


def _claim(dossier_id) -> uuid.UUID | None:
    token, now = uuid.uuid4(), timezone.now()
    claimable = Q(status=Dossier.Status.QUEUED) | Q(status=Dossier.Status.RUNNING, lease_until__lt=now)
    claimed = Dossier.objects.filter(claimable, pk=dossier_id).update(
        status=Dossier.Status.RUNNING, lease_token=token, lease_until=now + _lease(), started_at=now
    )
    return token if claimed == 1 else None


def _progress(dossier_id, token: uuid.UUID, progress: float) -> None:
    Dossier.objects.filter(pk=dossier_id, lease_token=token).update(
        progress=round(progress, 3), lease_until=timezone.now() + _lease()
    )


def _fetch(dossier: Dossier, token: uuid.UUID) -> list[FetchSession]:
    """Runs (or waits for) every fetch session the consent allows; fresh finished ones are reused."""
    sessions = fetcher.fetch_plan(consent=dossier.consent)
    deadline = time.monotonic() + settings.DOSSIER_FETCH_WAIT_SECONDS
    while True:
        open_ids = [s.pk for s in sessions if s.status not in FetchSession.FINISHED]
        for session_id in open_ids:
            # A provider at its concurrency limit: another pass of this loop tries again.
            with contextlib.suppress(fetcher.TransientFetchError):
                fetcher.fetch_run(session_id=session_id)
        sessions = list(FetchSession.objects.filter(pk__in=[s.pk for s in sessions]).select_related("provider"))
        done = sum(s.status in FetchSession.FINISHED for s in sessions)
        _progress(dossier.pk, token, 0.6 * done / max(1, len(sessions)))
        if done == len(sessions) or time.monotonic() > deadline:
            return sessions
        time.sleep(0.5)


def _sources(consent: Consent, sessions: list[FetchSession]) -> list[dict]:
    """Each provider and category the dossier draws on: fetched ones with their session's outcome,
    pushed ones (providers without an API) with the records they pushed."""
    sources = [
        {
            "provider": s.provider.slug,
            "category": s.category,
            "status": s.status,
            "records": s.accepted,
            "rejected": s.rejected,
            "fetched_at": s.finished_at.isoformat() if s.finished_at else None,
            **(
                {"reason": s.error or "still running when the dossier was built"}
                if s.status != FetchSession.Status.COMPLETED
                else {}
            ),
        }
        for s in sessions
    ]
    pushed = (
        Record.objects.filter(consent=consent, provider__api_base="")
        .values("provider__slug", "category")
        .annotate(records=Count("id"))
        .order_by()
    )
    sources += [
        {
            "provider": row["provider__slug"],
            "category": row["category"],
            "status": "pushed",
            "records": row["records"],
            "rejected": 0,
            "fetched_at": None,
        }
        for row in pushed
    ]
    return sorted(sources, key=lambda source: (source["provider"], source["category"]))


def dossier_read(*, dossier: Dossier) -> None:
    """The bank reads a dossier. One with data (ready or partial) is served only while its consent is live,
    and each read goes to the access history; one still being built, or failed, shows its status always."""
    if dossier.status in (Dossier.Status.READY, Dossier.Status.PARTIAL):
        consent = consent_expire_if_due(consent=dossier.consent)
        if not consent.is_live():
            raise ConsentNotLive(f"The consent is {consent.status}; its dossiers are no longer served.")
        AccessEvent.objects.create(
            consent=consent,
            kind=AccessEvent.Kind.DOSSIER,
            record_count=sum(source["records"] for source in dossier.sources),
        )


def _finish(dossier: Dossier, token: uuid.UUID, status: str, **fields) -> str | None:
    """Finishes the dossier if this build still holds it, the webhook going out with that one change; returns
    the status it finished with, or None when another build holds it.

    A dossier with data is finished only under a consent still live, held so until the change commits: one
    revoked while the figures were being worked out (its records being purged meanwhile) fails instead."""
    with transaction.atomic():
        if status != Dossier.Status.FAILED and not Consent.objects.filter(pk=dossier.consent_id).live_locked():
            status = Dossier.Status.FAILED
            fields = {"sources": fields.get("sources", []), "failure_reason": _not_live(dossier.consent_id)}
        finished = Dossier.objects.filter(pk=dossier.pk, lease_token=token, status=Dossier.Status.RUNNING).update(
            status=status, progress=1.0, lease_until=None, **fields
        )
        if finished != 1:
            return None
        audit_record(
            actor="hub",
            action=f"dossier.{status}",
            object_type="dossier",
            object_id=str(dossier.pk),
            data={"consent_id": str(dossier.consent_id), "reason": fields.get("failure_reason", "")},
        )
        # A partial dossier is ready to read (its sources say what is missing); a failed one has nothing to read.
        failed = status == Dossier.Status.FAILED
        webhook_publish(
            bank=dossier.bank,
            event="dossier.failed" if failed else "dossier.ready",
            data={
                "dossier_id": str(dossier.pk),
                "consent_id": str(dossier.consent_id),
                "status": status,
                **({"failure_reason": fields["failure_reason"]} if failed else {}),
            },
        )
    return status


def _not_live(consent_id) -> str | None:
    """Why no dossier may be finished under the consent now (revoked, paused, expired), or None."""
    return Consent.objects.get(pk=consent_id).not_live_reason()


def _fail(dossier: Dossier, token: uuid.UUID, reason: str, sources: list[dict] | None = None) -> str:
    _finish(dossier, token, Dossier.Status.FAILED, sources=sources or [], failure_reason=reason)
    return Dossier.Status.FAILED


def dossier_build(*, dossier_id) -> str:
    """Builds the dossier once, however often it is asked. Raises DossierBusy while another build holds it."""
    token = _claim(dossier_id)
    dossier = Dossier.objects.select_related("consent__business", "bank").get(pk=dossier_id)
    if token is None:
        if dossier.status in Dossier.FINISHED:
            return dossier.status
        raise DossierBusy(str(dossier_id))
    if reason := _not_live(dossier.consent_id):
        return _fail(dossier, token, reason)
    sessions = _fetch(dossier, token)
    sources = _sources(dossier.consent, sessions)
    # The SME may revoke or pause while the fetches run; its records are then being purged.
    if reason := _not_live(dossier.consent_id):
        return _fail(dossier, token, reason, sources)
    if not Record.objects.filter(consent=dossier.consent).exists():
        reasons = "; ".join(f"{s['provider']} {s['category']}: {s.get('reason', 'no records')}" for s in sources)
        reason = f"no data could be fetched ({reasons})" if sources else "the consent reaches no provider"
        return _fail(dossier, token, reason, sources)
    _progress(dossier.pk, token, 0.7)
    metrics = DossierMetrics(dossier.consent).all()
    _progress(dossier.pk, token, 0.9)
    dossier.metrics, dossier.sources, dossier.generated_at = metrics, sources, timezone.now()
    complete = all(source["status"] in ("completed", "pushed") for source in sources)
    status = Dossier.Status.READY if complete else Dossier.Status.PARTIAL
    finished = _finish(
        dossier,
        token,
        status,
        metrics=metrics,
        sources=sources,
        generated_at=dossier.generated_at,
        signature=keys.sign(dossier.body()),
    )
    # None: the lease lapsed and another build finished it; answer with what that build made of it.
    return finished or Dossier.objects.values_list("status", flat=True).get(pk=dossier.pk)
