"""OAuth2 API clients (client credentials): registration (``registry``), the token endpoint's
client authentication and the access tokens (``tokens``), this instance's signing key (``keys``),
the stored answers of POST requests (``idempotency``). Tables in ``tables`` (migration 0014)."""

from __future__ import annotations

from sgd_app.domain.apiclients import idempotency, keys, registry, tokens
from sgd_app.domain.apiclients.registry import (
    SCOPES,
    ClientRow,
    Registered,
    client_rows,
    deactivate,
    list_clients,
    reactivate,
    register,
    set_limit,
)
from sgd_app.domain.apiclients.tables import ApiClient
from sgd_app.domain.apiclients.tokens import OAuthError, TokenClaims

__all__ = [
    "SCOPES",
    "ApiClient",
    "ClientRow",
    "OAuthError",
    "Registered",
    "TokenClaims",
    "client_rows",
    "deactivate",
    "idempotency",
    "keys",
    "list_clients",
    "reactivate",
    "register",
    "registry",
    "set_limit",
    "tokens",
]
