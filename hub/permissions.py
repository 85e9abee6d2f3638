from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class HasClientToken(BasePermission):
    """Any valid hub-issued access token, whatever its scopes."""

    def has_permission(self, request: Request, view) -> bool:
        return request.auth is not None
