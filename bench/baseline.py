"""The records API's baseline: the same rows, no authentication, values() and orjson. Benchmarks only."""

import orjson
from django.http import HttpRequest, HttpResponse

from providers.apis import _RECORD_FIELDS, _record
from providers.models import Record


def baseline_records(request: HttpRequest, consent_id) -> HttpResponse:
    rows = Record.objects.filter(consent_id=consent_id).order_by("id").values(*_RECORD_FIELDS)[:100]
    return HttpResponse(orjson.dumps({"results": [_record(row) for row in rows]}), content_type="application/json")
