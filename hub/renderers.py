import orjson
from rest_framework.renderers import BaseRenderer


class FastJSONRenderer(BaseRenderer):
    """JSON through orjson, for the hot read paths. Decimals and dates must already be strings."""

    media_type = "application/json"
    format = "json"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(data)
