"""The production backend (`reflex run --env prod --backend-only`, one worker, SQLite) end to end:
a tab hydrating /mesa-de-partes over Reflex's own Socket.IO protocol is counted by the event
middleware and its visit stays in memory (no PageVisit row) until the app shuts down, when the
visit is written; readiness answers, metrics need the token, every log line is JSON."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
import socketio
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "token-de-prueba-del-servidor"
NS = "/_event"
ROUTER = {"pathname": "/mesa-de-partes", "asPath": "/mesa-de-partes"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    data = tmp_path / "data"
    env = {
        **os.environ,
        "SGD_DATA_DIR": str(data),
        "SGD_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SGD_DEMO_PASSWORD": "clave-demo-123",
        "SGD_METRICS_TOKEN": TOKEN,
        "SGD_LOG_FORMAT": "json",
        "SGD_JOBS_TICK_SECONDS": "3600",  # one tick at start: only the shutdown can flush the visit
        "REFLEX_USE_NPM": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    for name in ("DATABASE_URL", "PORT", "REFLEX_REDIS_URL", "SMTP_URL", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(name, None)
    subprocess.run([sys.executable, "-m", "sgd_app", "init"], cwd=ROOT, env=env, check=True, capture_output=True)
    log = tmp_path / "app.log"
    reflex = str(Path(sys.executable).parent / "reflex")
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [reflex, "run", "--env", "prod", "--backend-only", "--backend-port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.time() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        yield {"base": base, "proc": proc, "db": data / "sgd.db", "log": log}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


async def _hydrate(base: str) -> None:
    """One tab opening /mesa-de-partes: hydrate, then the on_load events the page sends back."""
    sio = socketio.AsyncClient(reconnection=False)
    loaded = asyncio.Event()

    async def on_event(update):
        if isinstance(update, str):
            update = json.loads(update)
        for event in update.get("events") or []:
            if str(event.get("name", "")).startswith("reflex___state"):
                event.setdefault("router_data", ROUTER)
                await sio.emit("event", event, namespace=NS)
        if any(k.endswith("mesa_de_partes_state") for k in (update.get("delta") or {})):
            loaded.set()

    sio.on("event", on_event, namespace=NS)
    hydrate = {"name": "reflex___state____state.hydrate_and_load", "payload": {}, "router_data": ROUTER}
    await sio.connect(
        f"{base}?token={uuid.uuid4()}",
        socketio_path="/_event",
        transports=["websocket"],
        auth={"event": hydrate},
        namespaces=[NS],
        wait_timeout=30,
    )
    await asyncio.wait_for(loaded.wait(), 60)
    await asyncio.sleep(1)  # the last on_load events
    await sio.disconnect()


def _visits(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT path, count FROM pagevisit").fetchall()


def _metrics(base: str) -> dict:
    resp = httpx.get(f"{base}/api/v1/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert resp.status_code == 200, resp.text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(resp.text)
        for s in f.samples
    }


def test_a_page_view_on_the_real_server_is_counted_and_flushed_at_shutdown(server):
    base = server["base"]
    ready = httpx.get(f"{base}/api/v1/ready", timeout=10)
    assert ready.status_code == 200 and ready.json()["checks"]["scheduler"]["running"] is True
    assert httpx.get(f"{base}/api/v1/metrics", timeout=10).status_code == 401

    asyncio.run(_hydrate(base))
    seen = _metrics(base)
    assert seen[("sgd_reflex_event_seconds_count", (("handler", "visit_state.count"),))] == 1
    assert seen[("sgd_reflex_event_seconds_count", (("handler", "mesa_de_partes_state.load"),))] == 1
    assert seen[("sgd_visits_unflushed", ())] == 1
    assert _visits(server["db"]) == []  # the page view wrote nothing

    os.killpg(server["proc"].pid, signal.SIGTERM)
    server["proc"].wait(timeout=60)
    assert _visits(server["db"]) == [("mesa-de-partes", 1)]  # written at shutdown

    ours = [ln for ln in server["log"].read_text().splitlines() if ln.startswith("{")]
    records = [json.loads(ln) for ln in ours]
    assert any(r["logger"] == "sgd.jobs" for r in records)
    assert all({"ts", "level", "logger", "msg"} <= r.keys() for r in records)
