"""schemathesis against the live backend: the production backend (`reflex run --env prod
--backend-only`, on SQLite and, when SGD_TEST_DATABASE_URL is set, on PostgreSQL) on a free loopback port, a client registered with the CLI, a real token
from /api/v1/oauth/token, and the OpenAPI description that the backend serves to that token
(/api/v1/openapi.json: the /api/v1/ext and /api/v1/oauth routes). Every operation is called with
positive and negative data (a few examples each, to keep the run short): no 5xx, every status
documented, every body and content type as the description says, and invalid data refused."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import text

from sgd_app import db
from tests.conftest import BACKENDS, PG_URL

ROOT = Path(__file__).resolve().parents[2]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
EXAMPLES = 15  # per operation and mode: the whole run stays near a minute
SCOPES = "expedientes:leer expedientes:crear documentos:leer verificacion"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database(kind: str, data: Path) -> tuple[str, str | None]:
    """The backend's database: a SQLite file, or a fresh schema of the PostgreSQL test database."""
    if kind == "sqlite":
        return f"sqlite:///{data / 'sgd.db'}", None
    schema = f"st_{uuid.uuid4().hex[:10]}"
    admin = db.make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}", schema


def _drop(schema: str | None) -> None:
    if schema:
        admin = db.make_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("schemathesis")
    (tmp / "data").mkdir()
    db_url, pg_schema = _database(request.param, tmp / "data")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SGD_DATA_DIR": str(tmp / "data"),
        "SGD_PUBLIC_URL": base,
        "SGD_DEMO_PASSWORD": "clave-demo-123",
        "SGD_JOBS_TICK_SECONDS": "3600",
        "REFLEX_USE_NPM": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    for name in ("DATABASE_URL", "PORT", "REFLEX_REDIS_URL", "SMTP_URL", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(name, None)
    env["DATABASE_URL"] = db_url
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "text": True}
    subprocess.run([sys.executable, "-m", "sgd_app", "init"], **run)
    added = subprocess.run(
        [sys.executable, "-m", "sgd_app", "api-client", "add", "Pruebas schemathesis", "--ruc", "20131370998",
         "--scopes", SCOPES, "--user", "rop", "--limit", "100000/hour"],
        **run,
    )  # fmt: skip
    client_id = re.search(r"client_id: (\S+)", added.stdout).group(1)
    secret = re.search(r"client_secret \(.*\): (\S+)", added.stdout).group(1)
    log = tmp / "app.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "reflex"), "run", "--env", "prod", "--backend-only",
             "--backend-port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.time() + 180
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.time() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        yield {"base": base, "client_id": client_id, "secret": secret, "log": log}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        _drop(pg_schema)


class _Token:
    """A real access token from the running backend, renewed before its 5 minutes run out."""

    def __init__(self, backend: dict):
        self.backend = backend
        self.value = ""
        self.at = 0.0

    def headers(self) -> dict[str, str]:
        if time.monotonic() - self.at > 240:
            b = self.backend
            form = {"grant_type": "client_credentials", "client_id": b["client_id"], "client_secret": b["secret"]}
            resp = httpx.post(f"{b['base']}/api/v1/oauth/token", data=form, timeout=20)
            assert resp.status_code == 200, resp.text
            self.value, self.at = resp.json()["access_token"], time.monotonic()
        return {"Authorization": f"Bearer {self.value}"}


@pytest.fixture(scope="module")
def token(backend):
    return _Token(backend)


@pytest.fixture(scope="module")
def api_schema(backend, token):
    url = f"{backend['base']}/api/v1/openapi.json"
    assert httpx.get(url, timeout=20).status_code == 401  # not public
    schema = schemathesis.openapi.from_url(url, headers=token.headers(), timeout=30)
    # a body over the size limit is refused before it is read: 413 is a rejection too
    schema.config.checks.negative_data_rejection.expected_statuses.append("413")
    return schema


def test_the_client_description_covers_the_client_routes(api_schema):
    paths = set(api_schema.raw_schema["paths"])
    assert "/api/v1/ext/expedientes" in paths and "/api/v1/oauth/token" in paths
    assert not any(p.startswith("/api/v1/admin") or p == "/api/v1/sesion" for p in paths)


def _summary(exc: BaseException) -> str:
    """What failed, without the reproduction command (its body can be megabytes)."""
    subs = getattr(exc, "exceptions", None) or [exc]
    return "; ".join(f"{type(e).__name__}: {str(getattr(e, 'message', e))[:300]}" for e in subs)


def test_every_operation_conforms(api_schema, token):
    """Each operation, positive then negative data, EXAMPLES cases each; every failure is
    collected (schemathesis' own pytest loader does not run on pytest 9: it sets a node id
    pytest no longer has, so the cases are driven with hypothesis here)."""
    failures: list[str] = []
    calls = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])  # fmt: skip
            def run(case):
                nonlocal calls
                calls += 1
                case.call_and_validate(headers=token.headers(), checks=CHECKS, timeout=60)

            try:
                run()
            except Unsatisfiable:
                if mode is GenerationMode.NEGATIVE:
                    continue  # an operation without parameters has no invalid input (the JWKS)
                raise
            except (AssertionError, Exception, BaseExceptionGroup) as exc:  # reported together at the end
                failures.append(f"{operation.label} ({mode.value}): {_summary(exc)}")
    operations = len(list(api_schema.get_all_operations()))
    print(f"schemathesis: {operations} operations, {calls} calls")  # shown with pytest -s
    assert calls >= 2 * operations
    assert not failures, "\n\n".join(failures)
