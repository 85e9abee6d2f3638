from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from participants.models import Participant


class HasClientToken(BasePermission):
    """Any valid hub-issued access token, whatever its scopes."""

    def has_permission(self, request: Request, view) -> bool:
        return request.auth is not None


def participant_of(request: Request) -> Participant:
    """The participant whose client holds the request's access token (loaded with the token)."""
    return request.auth.application.participant
