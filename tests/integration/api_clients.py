"""Helpers of the API clients' tests (and the bench): register a client, make its client
assertion (RFC 7523) with its own private key, get a token."""

from __future__ import annotations

import json
import secrets
import time

from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from sgd_app import db
from sgd_app.domain import apiclients
from sgd_app.domain.apiclients import tokens

TOKEN = "/api/v1/oauth/token"


def new_key(kind: str = "EC") -> ECKey | RSAKey:
    return ECKey.generate_key("P-256", private=True) if kind == "EC" else RSAKey.generate_key(2048, private=True)


def register(username: str, scopes: str, *, method: str = "private_key_jwt", key=None, engine=None, **kw):
    public = json.dumps(key.as_dict(private=False)) if key is not None else ""
    with db.write_session(engine) as s:
        reg = apiclients.register(s, actor="user:1", name="SGD de otra entidad", ruc="20131370998", scopes=scopes,
                                  username=username, auth_method=method, public_jwk=public, **kw)  # fmt: skip
    return reg.client.client_id, reg.secret


def assertion(client_id: str, key, *, aud: str | None = None, exp_in: int = 120, jti: str | None = None,
              alg: str | None = None) -> str:  # fmt: skip
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": aud or tokens.token_endpoint(), "iat": now,
              "exp": now + exp_in, "jti": jti or secrets.token_urlsafe(16)}  # fmt: skip
    alg = alg or ("ES256" if isinstance(key, ECKey) else "RS256")
    return jwt.encode({"alg": alg}, claims, key, algorithms=[alg])


def jwt_form(client_id: str, key, **kw) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": tokens.ASSERTION_TYPE,
        "client_assertion": assertion(client_id, key, **kw),
    }


def token(client, client_id: str, key, scope: str = "") -> str:
    resp = client.post(TOKEN, data={**jwt_form(client_id, key), "scope": scope})
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]
