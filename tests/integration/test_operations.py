"""Operation (issue 15, item 6): liveness that needs no database, readiness with reasons and 503,
Prometheus metrics behind a bearer token whose counters move with the real acts, several worker
processes adding up (multiprocess mode), and JSON logs with the request id and the case number.
Real database (SQLite, and PostgreSQL with SGD_TEST_DATABASE_URL), real Redis, real processes."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from reflex_base.event import Event
from sqlalchemy import update

from sgd_app import db, jobs, logs, settings
from sgd_app.api import RequestId, api
from sgd_app.domain import intake
from sgd_app.domain.documents import FileStore
from sgd_app.domain.models import DigitizeJob, OutboxMessage, utcnow
from sgd_app.state.event_metrics import EventMetrics
from tests.conftest import make_pdf

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("SGD_TEST_VISITS_REDIS", "redis://127.0.0.1:6379/12")
TOKEN = "token-de-metricas-de-prueba"
FILER = intake.FilerInput(
    doc_type="DNI", doc_number="45678912", name="Rosa Ñahui", email="rosa@example.pe", phone="987654321"
)


def _client() -> TestClient:
    return TestClient(RequestId(api), follow_redirects=False)


def _down_engine(tmp_path):
    """A database that does not answer: a server nobody listens on, or a file that cannot open."""
    if db.is_sqlite(db.engine()):
        (tmp_path / "no-es-un-archivo").mkdir()
        return db.make_engine(f"sqlite:///{tmp_path / 'no-es-un-archivo'}")
    return db.make_engine("postgresql://postgres@127.0.0.1:1/nadie")


def _file_online(number_of_pages: int = 1) -> str:
    return intake.file_case_and_seal(
        FileStore(settings.files_dir()),
        procedure_code="CONST-AF",
        filer=FILER,
        subject="Constancia de no afiliación",
        fields={"expediente_jurisdiccional": "EG.1"},
        files=[intake.IncomingFile("s.pdf", make_pdf(number_of_pages), "principal")],
        tracking_url="http://localhost/seguimiento",
        virtual_place="Mesa de Partes Virtual",
        client_ip="10.0.0.5",
    ).case.number


@pytest.fixture
def ready_env(app_db, monkeypatch):
    monkeypatch.setattr(settings, "REDIS_URL", "")
    monkeypatch.setattr(settings, "SMTP_URL", "")
    monkeypatch.setattr(jobs, "last_tick", None)
    return app_db


# ---------------------------------------------------------------- health / ready
def test_liveness_answers_with_the_database_down_and_readiness_says_why(ready_env, tmp_path):
    assert _client().get("/api/v1/ready").status_code == 200
    down = _down_engine(tmp_path)
    db.use_engine(down)
    try:
        live = _client().get("/api/v1/health")
        ready = _client().get("/api/v1/ready")
    finally:
        db.use_engine(ready_env)
        down.dispose()
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "error" and body["checks"]["database"]["ok"] is False
    assert body["reasons"][0].startswith("La base de datos no responde")
    assert ready.headers["cache-control"] == "no-store"


def test_ready_checks_redis_when_configured(ready_env, monkeypatch):
    monkeypatch.setattr(settings, "REDIS_URL", REDIS_URL)
    ok = _client().get("/api/v1/ready")
    assert ok.status_code == 200 and ok.json()["checks"]["redis"] == {"ok": True, "configured": True}
    monkeypatch.setattr(settings, "REDIS_URL", "redis://127.0.0.1:1/0")  # nobody listens there
    bad = _client().get("/api/v1/ready")
    assert bad.status_code == 503
    assert any(r.startswith("Redis no responde") for r in bad.json()["reasons"])


def test_ready_refuses_a_stuck_ocr_queue_a_stuck_outbox_and_a_stopped_scheduler(ready_env, monkeypatch):
    _file_online()  # its documents wait for text recognition
    body = _client().get("/api/v1/ready").json()
    assert body["status"] == "ok" and body["checks"]["ocr"]["waiting"] >= 1
    old = utcnow() - timedelta(hours=2)
    with db.write_session() as s:
        s.execute(update(DigitizeJob).values(created_at=old))
        s.execute(update(OutboxMessage).values(created_at=old))
    resp = _client().get("/api/v1/ready")
    assert resp.status_code == 503
    assert any("reconocimiento de texto" in r for r in resp.json()["reasons"])
    assert not any("correo" in r for r in resp.json()["reasons"])  # without SMTP mail waits by design
    monkeypatch.setattr(settings, "SMTP_URL", "smtp://127.0.0.1:1")
    assert any("correo(s) sin enviar" in r for r in _client().get("/api/v1/ready").json()["reasons"])
    with db.write_session() as s:
        s.execute(update(DigitizeJob).values(status="listo"))
        s.execute(update(OutboxMessage).values(status="enviado"))
    assert _client().get("/api/v1/ready").status_code == 200
    monkeypatch.setattr(jobs, "last_tick", time.monotonic() - 3600)
    stalled = _client().get("/api/v1/ready")
    assert stalled.status_code == 503
    assert stalled.json()["reasons"] == [stalled.json()["reasons"][0]]
    assert "planificador" in stalled.json()["reasons"][0]


# ---------------------------------------------------------------- metrics
def _scrape(headers=None) -> dict[tuple[str, tuple], float]:
    resp = _client().get("/api/v1/metrics", headers=headers or {"Authorization": f"Bearer {TOKEN}"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(resp.text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_metrics_need_the_token(ready_env, monkeypatch):
    monkeypatch.setattr(settings, "METRICS_TOKEN", "")
    assert _client().get("/api/v1/metrics", headers={"Authorization": "Bearer x"}).status_code == 404
    monkeypatch.setattr(settings, "METRICS_TOKEN", TOKEN)
    assert _client().get("/api/v1/metrics").status_code == 401
    wrong = _client().get("/api/v1/metrics", headers={"Authorization": f"Bearer {TOKEN}x"})
    assert wrong.status_code == 401 and "token" in wrong.json()["detail"]
    assert TOKEN not in wrong.text
    assert _client().get("/api/v1/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_counters_move_with_filings_jobs_events_and_seal_errors(ready_env, monkeypatch):
    monkeypatch.setattr(settings, "METRICS_TOKEN", TOKEN)
    filings = ("sgd_filings_total", (("channel", "virtual"),))
    before = _scrape()
    _file_online(3)
    after = _scrape()
    assert after[filings] == before.get(filings, 0) + 1
    assert after[("sgd_ocr_backlog", ())] == before.get(("sgd_ocr_backlog", ()), 0) + 1

    visitas = ("sgd_job_runs_total", (("job", "visitas"), ("result", "ok")))
    assert jobs.run_due(ready_env, [j for j in jobs.default_jobs() if j.name == "visitas"]) == ["visitas"]
    assert _scrape()[visitas] == after.get(visitas, 0) + 1

    sello = ("sgd_signing_errors_total", (("kind", "sello"),))
    assert intake.seal_receipt("EXP-1999-999999") is False  # no such case: the seal fails, logged
    assert _scrape()[sello] == after.get(sello, 0) + 1

    label = (("handler", "mesa_de_partes_state.choose"),)
    count = ("sgd_reflex_event_seconds_count", label)

    async def one_event():  # the middleware, in its own task, as Reflex runs each event
        name = "reflex___state____state.sgd_app___state___mesa_de_partes____mesa_de_partes_state.choose"
        await EventMetrics().preprocess(None, None, Event(name=name, payload={"code": "CONST-AF"}))
        await asyncio.sleep(0)

    async def run():
        await asyncio.create_task(one_event())
        await asyncio.sleep(0)  # the task's done-callback

    asyncio.run(run())
    assert _scrape()[count] == after.get(count, 0) + 1


def test_several_worker_processes_add_up_in_multiprocess_mode(tmp_path):
    folder = tmp_path / "prom"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    bump = "from sgd_app import metrics\nmetrics.filing('presencial')\nmetrics.job_run('correo', ok=False)\n"
    for _ in range(2):  # two "workers", each its own process
        subprocess.run([sys.executable, "-c", bump], cwd=ROOT, env=env, check=True, timeout=60)
    show = "from sgd_app import metrics\nprint(metrics.exposition().decode())"
    out = subprocess.run(
        [sys.executable, "-c", show], cwd=ROOT, env=env, check=True, timeout=60, capture_output=True, text=True
    ).stdout
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(out)
        for s in f.samples
    }
    assert samples[("sgd_filings_total", (("channel", "presencial"),))] == 2
    assert samples[("sgd_job_runs_total", (("job", "correo"), ("result", "error")))] == 2


# ---------------------------------------------------------------- logs
@pytest.fixture
def json_logs():
    stream = io.StringIO()
    logs.configure("json", stream=stream)
    yield stream
    logs.configure("")
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())


def _lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_json_logs_carry_the_request_id_of_an_http_request(ready_env, json_logs, tmp_path):
    down = _down_engine(tmp_path)
    db.use_engine(down)
    try:
        resp = _client().get("/api/v1/ready", headers={"X-Request-ID": "prueba-123"})
        fresh = _client().get("/api/v1/ready")
        evil = _client().get("/api/v1/ready", headers={"X-Request-ID": 'x"\n{"level":"falso"}'})
    finally:
        db.use_engine(ready_env)
        down.dispose()
    assert resp.headers["x-request-id"] == "prueba-123"
    assert len(fresh.headers["x-request-id"]) == 16  # made up when the caller sent none
    assert evil.headers["x-request-id"] != 'x"\n{"level":"falso"}'  # never echoed into logs as given
    lines = [ln for ln in _lines(json_logs) if ln["logger"] == "sgd.ready"]
    assert lines[0]["request_id"] == "prueba-123" and lines[0]["level"] == "warning"
    assert "La base de datos no responde" in lines[0]["msg"]
    assert {ln["request_id"] for ln in lines[1:]} == {fresh.headers["x-request-id"], evil.headers["x-request-id"]}


def test_json_logs_carry_the_case_number_of_a_filing(ready_env, json_logs):
    number = _file_online()
    filed = [ln for ln in _lines(json_logs) if ln["msg"].startswith("Trámite registrado")]
    assert filed and filed[-1]["case"] == number
    intake.seal_receipt("EXP-1999-999999")
    failed = [ln for ln in _lines(json_logs) if "No se pudo sellar" in ln["msg"]][-1]
    assert failed["case"] == "EXP-1999-999999" and failed["level"] == "error" and "exc" in failed


# ---------------------------------------------------------------- tab state expiry
def test_the_tab_state_expiry_reaches_reflexs_state_manager():
    code = (
        "from reflex.istate.manager import _default_token_expiration\n"
        "from reflex.istate.manager.memory import StateManagerMemory\n"
        "print(_default_token_expiration(), StateManagerMemory().token_expiration)"
    )
    for hours, seconds in (("", "10800"), ("5", "18000")):
        env = {**os.environ, "SGD_STATE_EXPIRY_HOURS": hours}
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60, capture_output=True, text=True
        ).stdout.split()
        assert out == [seconds, seconds]  # 3 h by default (README "Operación"), Reflex's own is 1 h
