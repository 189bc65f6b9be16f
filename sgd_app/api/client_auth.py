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

from sgd_app import db
from sgd_app.domain import audit, auth, ratelimit
from sgd_app.domain.apiclients import tokens
from sgd_app.domain.apiclients.tables import ApiClient
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import Forbidden, NotAuthenticated
from sgd_app.domain.models import User

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


def bearer(authorization: Annotated[str, Header(max_length=4100)] = "") -> tokens.TokenClaims:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated(tokens.MSG_NO_TOKEN)
    return tokens.decode(token.strip())


def api_client(request: Request, claims: Annotated[tokens.TokenClaims, Depends(bearer)]) -> ApiCaller:
    with db.write_session() as s:
        client = tokens.active_client(s, claims)
        ratelimit.take("api-client", client.client_id, limit=client.rate_limit)
        user = s.get(User, client.user_id)
        if user is None or not user.active:
            raise NotAuthenticated(tokens.MSG_BAD_TOKEN)
        who = auth.principal_for(s, user)
        audit.record(
            s,
            actor=f"cliente:{client.client_id}",
            action="api_llamada",
            object_type="api",
            object_id=request.url.path[:200],
            data={"metodo": request.method, "cliente": client.client_id, "jti": claims.jti},
        )
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
