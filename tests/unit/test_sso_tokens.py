"""ID token validation (sgd_app/domain/sso/tokens.py) and the provider's keys (provider.py):
tokens signed here with real RSA keys, the provider's discovery document and JWKS served over
real HTTP on loopback (a tiny server whose keys the test rotates)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from sgd_app.domain.sso import SsoConfig, SsoRefused, provider
from sgd_app.domain.sso.tokens import validate_id_token

ISSUER = "https://idp.jne.example.pe/realms/jne"
CLIENT = "sgd-tramite"
NONCE = "n-0S6_WzA2Mj"
NOW = 1_800_000_000.0


def _key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"}, private=True)


KEY_1 = _key("k1")
KEY_2 = _key("k2")


def _claims(**over) -> dict:
    claims = {"iss": ISSUER, "aud": CLIENT, "sub": "u-1", "iat": int(NOW) - 5, "exp": int(NOW) + 300, "nonce": NONCE}
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(claims: dict, key: RSAKey = KEY_1, alg: str = "RS256") -> str:
    return jwt.encode({"alg": alg, "kid": key.kid}, claims, key)


def _public(*keys: RSAKey) -> KeySet:
    return KeySet.import_key_set({"keys": [k.as_dict(private=False) for k in keys]})


def _validate(token: str, *, keys=None, now=NOW, nonce=NONCE, leeway=60) -> dict:
    ks = keys or _public(KEY_1)
    return validate_id_token(
        token, issuer=ISSUER, client_id=CLIENT, nonce=nonce, keys_for=lambda kid: ks, leeway=leeway, now=now
    )


def _reason(token: str, **kw) -> str:
    with pytest.raises(SsoRefused) as refused:
        _validate(token, **kw)
    return refused.value.reason


def test_a_good_token_gives_its_claims():
    assert _validate(_sign(_claims(email="a@jne.pe")))["email"] == "a@jne.pe"


def test_tampered_payload_breaks_the_signature():
    header, payload, signature = _sign(_claims()).split(".")
    other = _sign(_claims(sub="u-2")).split(".")[1]  # a valid payload of another token, same header
    assert _reason(f"{header}.{other}.{signature}") == "token"
    assert _reason(f"{header}.{payload}.{signature[:-4]}AAAA") == "token"


def test_a_key_the_provider_does_not_publish_is_refused():
    assert _reason(_sign(_claims(), key=KEY_2), keys=_public(KEY_1)) == "token"


def test_wrong_nonce_wrong_audience_wrong_issuer():
    assert _reason(_sign(_claims()), nonce="otro-nonce") == "nonce"
    assert _reason(_sign(_claims(nonce=None))) == "nonce"
    assert _reason(_sign(_claims(aud="otro-cliente"))) == "token"
    assert _reason(_sign(_claims(aud=[CLIENT, "otro"]))) == "token"  # several audiences need azp
    assert _validate(_sign(_claims(aud=[CLIENT, "otro"], azp=CLIENT)))["sub"] == "u-1"
    assert _reason(_sign(_claims(iss="https://otro.example.pe"))) == "token"
    assert _reason(_sign(_claims(sub=None))) == "token"


def test_expiry_and_clock_skew_with_the_allowance():
    assert _reason(_sign(_claims(exp=int(NOW) - 61))) == "vencido"
    assert _validate(_sign(_claims(exp=int(NOW) - 30)))  # within the 60 s allowance
    assert _reason(_sign(_claims(iat=int(NOW) + 120, exp=int(NOW) + 600))) == "reloj"  # issued "in the future"
    assert _validate(_sign(_claims(iat=int(NOW) + 30)))
    assert _reason(_sign(_claims(iat=int(NOW) + 30)), leeway=10) == "reloj"
    assert _reason(_sign(_claims(exp=None))) == "token"


def test_none_and_hmac_algorithms_are_refused():
    header_none = "eyJhbGciOiJub25lIn0"  # {"alg":"none"}
    payload = _sign(_claims()).split(".")[1]
    assert _reason(f"{header_none}.{payload}.") == "token"
    secret = OctKey.import_key(json.dumps(KEY_1.as_dict(private=False)).encode())  # public key as HMAC secret
    assert _reason(jwt.encode({"alg": "HS256", "kid": "k1"}, _claims(), secret)) == "token"
    assert _reason("no-es-un-jwt") == "token"
    assert _reason("") == "token"


# ---------------------------------------------------------------- discovery and JWKS over HTTP
class _Idp(ThreadingHTTPServer):
    jwks: dict
    hits: dict[str, int]


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        server: _Idp = self.server  # type: ignore[assignment]
        server.hits[self.path] = server.hits.get(self.path, 0) + 1
        base = f"http://127.0.0.1:{server.server_address[1]}"
        if self.path in ("/.well-known/openid-configuration", "/otro/.well-known/openid-configuration"):
            body = {
                "issuer": base,
                "authorization_endpoint": f"{base}/auth",
                "token_endpoint": f"{base}/token",
                "jwks_uri": f"{base}/jwks",
                "end_session_endpoint": f"{base}/logout",
                "id_token_signing_alg_values_supported": ["RS256", "HS256", "none"],
            }
        elif self.path == "/jwks":
            body = server.jwks
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def idp():
    server = _Idp(("127.0.0.1", 0), _Handler)
    server.jwks = {"keys": [KEY_1.as_dict(private=False)]}
    server.hits = {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    provider.forget()
    yield server
    server.shutdown()
    server.server_close()
    provider.forget()


def _config(server) -> SsoConfig:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    return SsoConfig(issuer=base, client_id=CLIENT, client_secret="s", redirect_uri="x", post_logout_redirect_uri="y")


def test_discovery_is_cached_and_only_asymmetric_algorithms_kept(idp):
    config = _config(idp)
    meta = provider.metadata(config)
    assert provider.metadata(config) is meta
    assert idp.hits["/.well-known/openid-configuration"] == 1
    assert meta.algorithms == ("RS256",) and meta.end_session_endpoint.endswith("/logout")


def test_unknown_kid_refetches_the_keys_once_then_rotation_works(idp):
    config = _config(idp)
    meta = provider.metadata(config)

    def check(token: str) -> dict:
        return validate_id_token(
            token,
            issuer=meta.issuer,
            client_id=CLIENT,
            nonce=NONCE,
            keys_for=lambda kid: provider.keys_for(config, meta, kid),
            now=time.time(),
        )

    def claims() -> dict:
        return _claims(iss=meta.issuer, iat=int(time.time()), exp=int(time.time()) + 300)

    assert check(_sign(claims(), KEY_1))["sub"] == "u-1"
    assert check(_sign(claims(), KEY_1))["sub"] == "u-1"
    assert idp.hits["/jwks"] == 1  # cached
    idp.jwks = {"keys": [KEY_2.as_dict(private=False)]}  # the provider rotates its key
    assert check(_sign(claims(), KEY_2))["sub"] == "u-1"
    assert idp.hits["/jwks"] == 2  # fetched again because of the unknown kid
    with pytest.raises(SsoRefused) as refused:  # the old key is gone: refused, after one more look
        check(_sign(claims(), KEY_1))
    assert refused.value.reason == "token" and idp.hits["/jwks"] == 3


def test_provider_down_or_wrong_issuer(idp):
    config = _config(idp)
    idp.shutdown()
    idp.server_close()
    with pytest.raises(SsoRefused) as refused:
        provider.metadata(config)
    assert refused.value.reason == "proveedor_caido"
    assert "no responde" in refused.value.message
    provider.forget()


def test_discovery_of_another_issuer_is_refused(idp):
    base = f"http://127.0.0.1:{idp.server_address[1]}"
    config = SsoConfig(
        issuer=f"{base}/otro", client_id=CLIENT, client_secret="", redirect_uri="", post_logout_redirect_uri=""
    )
    with pytest.raises(SsoRefused) as refused:  # the document names another issuer (Discovery 4.3)
        provider.metadata(config)
    assert "issuer=" in refused.value.detail
