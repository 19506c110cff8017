"""Token authentication against hashed keys (``Authorization: Token <key>``)."""

from __future__ import annotations

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from graphapi.models import APIToken


class HashedTokenAuthentication(TokenAuthentication):
    """DRF's token header, checked against the SHA-256 digests of graphapi.APIToken."""

    model = APIToken

    def authenticate_credentials(self, key: str):
        token = APIToken.objects.matching(key)
        if token is None:
            raise AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        token.mark_used()
        return (token.user, token)
