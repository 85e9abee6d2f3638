import hashlib

from django.http import JsonResponse
from oauth2_provider.models import get_access_token_model
from oauth2_provider.views import IntrospectTokenView


class ParticipantIntrospectView(IntrospectTokenView):
    """RFC 7662 introspection that also reports a suspended participant's tokens inactive."""

    @staticmethod
    def get_token_response(token_value=None):
        if token_value is not None:
            checksum = hashlib.sha256(token_value.encode("utf-8")).hexdigest()
            token = (
                get_access_token_model()
                .objects.select_related("application__participant")
                .filter(token_checksum=checksum)
                .first()
            )
            if token is not None and not token.application.is_usable(None):
                return JsonResponse({"active": False})
        return IntrospectTokenView.get_token_response(token_value)
