"""The hub's OAuth 2.0 rules on top of django-oauth-toolkit: scopes per participant kind."""

import hashlib

from oauth2_provider.models import get_access_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes

from participants.models import Participant

SCOPES = {
    "consents": "Ask for and manage consents, subscribe to webhooks",
    "data": "Read records under a live consent",
    "dossiers": "Request and read credit dossiers",
    "loans": "Report loan applications and outcomes",
    "records:write": "Push records for businesses under a live consent",
    "operator": "Read the hub's metrics",
    "fetch": "The hub's own fetcher calling a provider",
}

KIND_SCOPES = {
    Participant.Kind.BANK: ["consents", "data", "dossiers", "loans"],
    Participant.Kind.PROVIDER: ["records:write"],
    Participant.Kind.OPERATOR: ["operator"],
    Participant.Kind.HUB: ["fetch"],
}


class ParticipantScopes(BaseScopes):
    """Each participant kind may obtain its own scopes and no others."""

    def get_all_scopes(self) -> dict[str, str]:
        return SCOPES

    def get_available_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        if application is None:
            return list(SCOPES)
        return KIND_SCOPES[application.participant.kind]

    def get_default_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        return self.get_available_scopes(application, request)


class HubOAuth2Validator(OAuth2Validator):
    def _load_access_token(self, token: str):
        # One query answers the token, its client and the participant's status.
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
        return (
            get_access_token_model()
            .objects.select_related("application__participant", "user")
            .filter(token_checksum=checksum)
            .first()
        )
