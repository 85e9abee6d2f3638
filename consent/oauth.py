"""The redirect flow's link between an authorization code, its token and the one consent it reaches."""

import hashlib

from oauth2_provider.models import get_access_token_model

from consent.models import Consent, ConsentToken, Status
from participants.oauth import HubOAuth2Validator


class ConsentOAuth2Validator(HubOAuth2Validator):
    """Carries ``consent_id`` from the approved request to the code, the token and its refreshes."""

    def _load_access_token(self, token: str):
        # Still one query: the consent binding (if any) comes with the token and its participant.
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
        return (
            get_access_token_model()
            .objects.select_related("application__participant", "user", "consent_binding")
            .filter(token_checksum=checksum)
            .first()
        )

    def validate_code(self, client_id, code, client, request, *args, **kwargs) -> bool:
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            return False
        consent_id = (getattr(request, "claims", None) or {}).get("consent_id")
        # A consent revoked (or expired) between approval and the code exchange yields no token.
        return consent_id is None or Consent.objects.filter(pk=consent_id, status=Status.AUTHORISED).exists()

    def save_bearer_token(self, token, request, *args, **kwargs):
        consent_id = self._consent_for(request)
        result = super().save_bearer_token(token, request, *args, **kwargs)
        if consent_id is not None:
            checksum = hashlib.sha256(token["access_token"].encode("utf-8")).hexdigest()
            access_token = get_access_token_model().objects.get(token_checksum=checksum)
            ConsentToken.objects.create(access_token=access_token, consent_id=consent_id)
            token["consent_id"] = str(consent_id)
        return result

    @staticmethod
    def _consent_for(request) -> str | None:
        if request.grant_type == "authorization_code":
            return (getattr(request, "claims", None) or {}).get("consent_id")
        if request.grant_type == "refresh_token":
            previous = getattr(request.refresh_token_instance, "access_token", None)
            binding = ConsentToken.objects.filter(access_token=previous).first() if previous else None
            return str(binding.consent_id) if binding else None
        return None
