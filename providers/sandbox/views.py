"""The sandbox providers' Provider Data API, served by the hub but behaving like an outside company:
it checks each bearer token by calling the hub's /o/introspect/ over HTTP with its own credentials."""

import time
from datetime import date

import requests
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from businesses.models import Business
from hub.models import ServiceCredential
from providers.models import SandboxProvider
from providers.sandbox import generator

MAX_PAGE = 1000
DEFAULT_PAGE = 250


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"error": code, "detail": detail}, status=status)


def _token_is_valid(request: HttpRequest, slug: str) -> str | None:
    """None when the token is active and carries the fetch scope, else the reason."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return "a bearer token is required"
    credential = ServiceCredential.objects.filter(name=f"sandbox:{slug}").first()
    if credential is None:
        return "this sandbox provider has no credentials to check tokens with"
    answer = requests.post(
        f"{settings.HUB_BASE_URL}/o/introspect/",
        data={"token": header.removeprefix("Bearer ")},
        auth=(credential.client_id, credential.client_secret),
        timeout=(3, 10),
    )
    if answer.status_code != 200 or not answer.json().get("active"):
        return "the token is not active"
    if "fetch" not in answer.json().get("scope", "").split():
        return "the token lacks the fetch scope"
    return None


def _parse(request: HttpRequest, sandbox: SandboxProvider) -> tuple[dict, str | None]:
    params = request.GET
    brn, category = params.get("brn", ""), params.get("category", "")
    if not (len(brn) == 8 and brn.isdigit()):
        return {}, "brn must be exactly 8 digits"
    if category not in sandbox.participant.data_categories:
        return {}, f"this provider serves {', '.join(sandbox.participant.data_categories)}"
    try:
        today = timezone.localdate()
        start = date.fromisoformat(params.get("from") or (today.replace(year=today.year - 3)).isoformat())
        end = min(date.fromisoformat(params.get("to") or today.isoformat()), today)
        limit = min(int(params.get("limit", DEFAULT_PAGE)), MAX_PAGE)
    except ValueError:
        return {}, "from and to must be YYYY-MM-DD dates, limit a number"
    cursor_day, skip = start, 0
    if params.get("cursor"):
        try:
            day_text, index_text = params["cursor"].split(":")
            cursor_day, skip = date.fromisoformat(day_text), int(index_text)
        except ValueError:
            return {}, "cursor is not one this provider issued"
    return {
        "brn": brn,
        "category": category,
        "start": cursor_day,
        "end": end,
        "skip": skip,
        "limit": limit,
        "today": today,
    }, None


def _fault(sandbox: SandboxProvider, request: HttpRequest, brn: str, category: str) -> JsonResponse | None:
    fault = request.GET.get("fault") or sandbox.faults.get(brn)
    if fault == SandboxProvider.Fault.SLOW:
        time.sleep(settings.SANDBOX_SLOW_SECONDS)
    elif fault == SandboxProvider.Fault.TIMEOUT:
        time.sleep(settings.FETCH_READ_TIMEOUT + 1)
    elif fault == SandboxProvider.Fault.ERROR:
        return _error(503, "unavailable", "the provider is down (sandbox fault)")
    elif fault == SandboxProvider.Fault.FLAKY:
        key = f"sandbox-flaky:{sandbox.pk}:{brn}:{category}"
        cache.add(key, 0, timeout=600)
        if cache.incr(key) <= 2:
            return _error(503, "unavailable", "the provider is briefly down (sandbox fault)")
    return None


def _malformed(record: dict, index: int) -> dict:
    """Every seventh record breaks the schema in one of three ways."""
    broken = dict(record)
    match index % 3:
        case 0:
            broken.pop("amount" if "amount" in broken else "legal_name")
        case 1:
            broken["currency"] = "ZZZ"
        case _:
            broken["occurred_at"] = "yesterday"
    return broken


@require_GET
def records(request: HttpRequest, slug: str) -> JsonResponse:
    sandbox = SandboxProvider.objects.select_related("participant").filter(participant__slug=slug).first()
    if sandbox is None:
        return _error(404, "not_found", "no such sandbox provider")
    reason = _token_is_valid(request, slug)
    if reason:
        return _error(401, "invalid_token", reason)
    query, problem = _parse(request, sandbox)
    if problem:
        return _error(400, "invalid_request", problem)
    failure = _fault(sandbox, request, query["brn"], query["category"])
    if failure is not None:
        return failure
    malformed = (request.GET.get("fault") or sandbox.faults.get(query["brn"])) == SandboxProvider.Fault.MALFORMED
    page, next_cursor = _page(query, malformed)
    return JsonResponse({"records": page, "next_cursor": next_cursor})


def _page(query: dict, malformed: bool) -> tuple[list[dict], str | None]:
    if query["category"] == "profile":
        if query["skip"] or query["start"] > query["end"]:
            return [], None
        business = Business.objects.filter(brn=query["brn"]).first()
        name = business.legal_name if business else f"Business {query['brn']} Limited"
        return [generator.profile(query["brn"], name, query["end"])], None
    page: list[dict] = []
    for day, index, record in generator.iterate(
        query["brn"], query["category"], query["start"], query["end"], query["today"], query["skip"]
    ):
        if len(page) == query["limit"]:
            return page, f"{day.isoformat()}:{index}"
        page.append(_malformed(record, len(page)) if malformed and len(page) % 7 == 3 else record)
    return page, None
