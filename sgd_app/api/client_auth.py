"""Who an OAuth2 API client is, declared like ``deps.CurrentStaff``: the bearer token is checked
(signature, expiry, revocation, client still active), the client's calls are counted against its
rate limit, the call is audited with the client id, and the route gets an :class:`ApiCaller`
whose ``who`` is the client's service account (so every domain rule of access applies as is).

    @router.get("/api/v1/ext/expedientes/{number}")
    def case(number: CaseNumber, caller: Annotated[ApiCaller, Depends(scope("expedientes:leer"))]): ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from sgd_app.domain.apiclients import tokens
from sgd_app.domain.apiclients.tables import ApiClient
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import Forbidden, NotAuthenticated

MSG_SCOPE = "El token no tiene el alcance «{scope}» que esta operación requiere."


class MissingScope(Forbidden):
    code = "alcance_insuficiente"


@dataclass(frozen=True)
class ApiCaller:
    client: ApiClient
    who: Principal
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        return f"cliente:{self.client.client_id}"


def bearer(authorization: Annotated[str, Header(max_length=4100, include_in_schema=False)] = "") -> tokens.TokenClaims:
    """The token of ``Authorization: Bearer`` (declared in the description as the ``token``
    security scheme, not as a parameter)."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated(tokens.MSG_NO_TOKEN)
    return tokens.decode(token.strip())


def api_client(request: Request, claims: Annotated[tokens.TokenClaims, Depends(bearer)]) -> ApiCaller:
    client, who = tokens.caller(claims, method=request.method, path=request.url.path)
    return ApiCaller(client=client, who=who, scopes=claims.scopes)


def scope(name: str) -> Callable[[ApiCaller], ApiCaller]:
    def needs(caller: Annotated[ApiCaller, Depends(api_client)]) -> ApiCaller:
        if name not in caller.scopes:
            raise MissingScope(MSG_SCOPE.format(scope=name))
        return caller

    return needs


Cases = Annotated[ApiCaller, Depends(scope("expedientes:leer"))]
Filing = Annotated[ApiCaller, Depends(scope("expedientes:crear"))]
Documents = Annotated[ApiCaller, Depends(scope("documentos:leer"))]
Verification = Annotated[ApiCaller, Depends(scope("verificacion"))]
AnyClient = Annotated[ApiCaller, Depends(api_client)]
