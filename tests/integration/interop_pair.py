"""Two real instances of the product on loopback, A and B (docs/interop.md §1): each with its own
data dir, SQLite database, port, RUC, PKI and interop key, each registered in the other's directory
and API clients by the CLI (B by ``entidad add``, A by ``entidad import``), each trusting the
other's development root. Used by tests/integration/test_interop.py, the browser test
tests/e2e/test_interop_roundtrip.py and ``make bench`` (bench/interop.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joserfc.jwk import ECKey, JWKRegistry
from sqlalchemy import create_engine, text

from bench import citizen as tab

RUC_A, RUC_B = "20131378972", "20555555556"
LIMIT = 3 * 1024 * 1024
ENVIOS = "/api/v1/interoperabilidad/envios"
ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass
class Instance:
    name: str
    ruc: str
    data: Path
    port: int
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    server: Any = None
    # starts the server (default: the backend only); returns what ``stopper`` stops
    starter: Callable[[Instance], Any] | None = None
    stopper: Callable[[Any], None] | None = None
    host: str = "127.0.0.1"  # the browser test puts B on 127.0.0.2 (same port, see its docstring)

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def cli(self, *args: str) -> str:
        r = subprocess.run([sys.executable, "-m", "sgd_app", *args], cwd=tab.ROOT, env=self.env,
                           capture_output=True, text=True, timeout=300)  # fmt: skip
        assert r.returncode == 0, r.stderr
        return r.stdout

    def step(self, *args: str) -> dict[str, Any]:
        r = subprocess.run([sys.executable, "-m", "tests.integration.interop_steps", *args], cwd=tab.ROOT,
                           env=self.env, capture_output=True, text=True, timeout=300)  # fmt: skip
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout.strip().splitlines()[-1])

    def rows(self, sql: str, **params: Any) -> list[Any]:
        eng = create_engine(f"sqlite:///{self.data / 'sgd.db'}")
        try:
            with eng.connect() as conn:
                return list(conn.execute(text(sql), params).all())
        finally:
            eng.dispose()

    def start(self) -> None:
        self.server = self.starter(self) if self.starter else tab.start_backend(self.env, self.port, self.log)

    def stop(self) -> None:
        if self.server is not None:
            (self.stopper or tab.stop)(self.server)
            self.server = None

    def key(self) -> ECKey:
        key = JWKRegistry.import_key(json.loads((self.data / "interop" / "key.json").read_text()))
        assert isinstance(key, ECKey)
        return key


def make_instance(
    tmp: Path,
    name: str,
    ruc: str,
    *,
    port: int | None = None,
    env: dict[str, str] | None = None,
    host: str = "127.0.0.1",
) -> Instance:
    data = tmp / name
    data.mkdir()
    inst = Instance(name, ruc, data, port or tab.free_port(), tmp / f"{name}.log", host=host)
    inst.env = {
        **tab.backend_env(data, inst.port),
        "SGD_INSTITUTION": f"Entidad {name}",
        "SGD_INSTITUTION_SHORT": name,
        "SGD_INSTITUTION_RUC": ruc,
        "SGD_JOBS_TICK_SECONDS": "1",
        "SGD_INTEROP_EVERY_SECONDS": "1",
        "SGD_INTEROP_RETRY_SECONDS": "1",
        "SGD_INTEROP_RETRY_MAX_SECONDS": "2",
        "SGD_INTEROP_MAX_BYTES": str(LIMIT),
        "SGD_PUBLIC_URL": inst.base,
        **(env or {}),
    }
    return inst


def client_id_of(out: str) -> str:
    return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("client_id:"))


def set_up(a: Instance, b: Instance, tmp: Path) -> dict[str, Any]:
    """Initialise both, register each at the other (keys, API clients, directory), no server yet."""
    for me, other in ((a, b), (b, a)):
        me.env["SGD_TRUST_ROOTS"] = str(other.data / "pki" / "root-ca.cert.pem")  # the national root, as it were
    for inst in (a, b):
        inst.cli("init")
        inst.step("root")
        (tmp / f"{inst.name}.jwk").write_text(inst.cli("entidad", "clave"))
    # Each registers the other's API client (its public interop key, scope intercambio:recibir) ...
    a_at_b = client_id_of(b.cli("api-client", "add", "SGD Entidad A", "--ruc", RUC_A, "--scopes", "intercambio:recibir",
                              "--user", "mesa", "--jwk", str(tmp / "A.jwk")))  # fmt: skip
    b_at_a = client_id_of(a.cli("api-client", "add", "SGD Entidad B", "--ruc", RUC_B, "--scopes", "intercambio:recibir",
                              "--user", "mesa", "--jwk", str(tmp / "B.jwk")))  # fmt: skip
    # ... and the other in its directory: B by ``entidad add``, A by ``entidad import``.
    b.cli("entidad", "add", "Entidad A", "--ruc", RUC_A, "--endpoint", a.base, "--jwk", str(tmp / "A.jwk"),
          "--category", "Organismo autónomo", "--client-id", a_at_b, "--our-client-id", b_at_a)  # fmt: skip
    directory = {"entidades": [{"nombre": "Entidad B", "ruc": RUC_B, "categoria": "Organismo autónomo",
                                "endpoint": b.base, "clave_publica": json.loads((tmp / "B.jwk").read_text()),
                                "client_id": b_at_a, "nuestro_client_id": a_at_b}]}  # fmt: skip
    (tmp / "directorio.json").write_text(json.dumps(directory))
    out = a.cli("entidad", "import", str(tmp / "directorio.json"))
    assert "1 entidad(es) nueva(s)" in out, out
    assert RUC_B in a.cli("entidad", "list")
    return {"a": a, "b": b, "a_at_b": a_at_b, "b_at_a": b_at_a, "tmp": tmp}
