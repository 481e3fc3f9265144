"""API keys and nothing else: no session cookie is accepted, so there is no CSRF surface."""

from rest_framework import authentication, exceptions

from api.keys import key_for_token

SCHEME = "Api-Key"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _space, token = header.partition(" ")
        if scheme.lower() not in (SCHEME.lower(), "bearer"):
            return None
        key = key_for_token(token.strip())
        if key is None:
            raise exceptions.AuthenticationFailed("unknown, revoked or inactive API key")
        return key.membership.user, key

    def authenticate_header(self, request):
        return SCHEME
