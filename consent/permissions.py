from oauth2_provider.contrib.rest_framework import TokenHasScope
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from consent.selectors import bound_consent_id


class NotBoundToConsent(BasePermission):
    """Refuses a redirect-flow token, which reaches one consent only, on a call that acts for the whole bank."""

    message = "This token was issued for one consent; use your client-credentials token for this call."
    code = "consent_bound_token"

    def has_permission(self, request: Request, view) -> bool:
        return bound_consent_id(request.auth) is None


# What a bank-wide endpoint asks of its caller: the scope, and a token of the bank's own client.
BANK_WIDE = [TokenHasScope, NotBoundToConsent]
