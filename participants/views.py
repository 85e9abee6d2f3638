import hashlib

from django.http import HttpRequest, HttpResponse, JsonResponse
from oauth2_provider.models import get_access_token_model
from oauth2_provider.views import IntrospectTokenView, RevokeTokenView, TokenView

BASIC_CHALLENGE = 'Basic realm="CDI Hub", charset="UTF-8"'


class BasicChallengeMixin:
    """RFC 6749 section 5.2: a client that failed to authenticate with HTTP Basic is answered with a
    Basic challenge. oauthlib always sends a Bearer one, which is the scheme for resource servers."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        if response.status_code == 401 and request.headers.get("Authorization", "")[:6].lower() == "basic ":
            response["WWW-Authenticate"] = BASIC_CHALLENGE
        return response


class ParticipantTokenView(BasicChallengeMixin, TokenView):
    pass


class ParticipantRevokeTokenView(BasicChallengeMixin, RevokeTokenView):
    pass


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
