"""Live dashboard push: the time from a committed change to its figures arriving at 50 connected
dashboard clients.

The app runs as in production with Redis and two workers (`reflex run --env prod --backend-only`);
50 Socket.IO clients speak Reflex's own protocol (hydrate + the /tablero on_load, with a head's
session cookie), as 50 open tabs would. This process then files cases through the domain and
measures, per client, the time from the commit to the first update of the shared feed.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import socketio

from bench.common import one_page_pdf, p95

ROOT = Path(__file__).resolve().parent.parent
N_CLIENTS = int(os.environ.get("BENCH_PUSH_CLIENTS", "50"))
N_CHANGES = int(os.environ.get("BENCH_PUSH_CHANGES", "10"))
N_CASES = int(os.environ.get("BENCH_PUSH_CASES", "20000"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
PASSWORD = "bench-password-123"
HYDRATE = "reflex___state____state.hydrate_and_load"
FEED = "dashboard_feed"
NS = "/_event"  # Reflex's Socket.IO namespace
ROUTER = {"pathname": "/tablero", "asPath": "/tablero"}
DEBUG = bool(os.environ.get("BENCH_PUSH_DEBUG"))


def _port() -> int:
    for port in range(31000, 32000):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port")


def _wait(url: str, proc: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError("the app exited:\n" + log.read_text()[-3000:])
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the app did not start:\n" + log.read_text()[-3000:])


class Tab:
    """One dashboard tab: a Socket.IO client that hydrates /tablero and records feed updates."""

    def __init__(self, base: str, cookie: str):
        self.base, self.cookie = base, cookie
        self.sio = socketio.AsyncClient(reconnection=False)
        self.updates: list[float] = []
        self.ready = asyncio.Event()
        self.sio.on("event", self._on_event, namespace=NS)

    async def _on_event(self, update):
        if isinstance(update, str):
            update = json.loads(update)
        if DEBUG:
            print("update", json.dumps(update)[:600], flush=True)
        for event in update.get("events") or []:  # state events the page would send back
            if str(event.get("name", "")).startswith("reflex___state"):
                event.setdefault("router_data", ROUTER)
                await self.sio.emit("event", event, namespace=NS)
        delta = update.get("delta") or {}
        for key, values in delta.items():
            if FEED in key and any(k.startswith("updated") and v for k, v in values.items()):
                self.updates.append(time.time())
                self.ready.set()

    async def open(self):
        token = str(uuid.uuid4())
        event = {"name": HYDRATE, "payload": {}, "router_data": ROUTER}
        await self.sio.connect(
            f"{self.base}?token={token}",
            socketio_path="/_event",
            transports=["websocket"],
            headers={"Cookie": self.cookie},
            auth={"event": event},
            namespaces=[NS],
            wait_timeout=30,
        )


async def _run(base: str, cookie: str, change) -> tuple[list[float], float]:
    tabs = [Tab(base, cookie) for _ in range(N_CLIENTS)]
    t = time.perf_counter()
    await asyncio.gather(*(tab.open() for tab in tabs))
    await asyncio.wait_for(asyncio.gather(*(tab.ready.wait() for tab in tabs)), 120)
    connect_s = time.perf_counter() - t
    await asyncio.sleep(2)
    samples: list[float] = []
    for _ in range(N_CHANGES):
        for tab in tabs:
            tab.updates.clear()
        t0 = await asyncio.to_thread(change)
        end = time.time() + 10
        while time.time() < end and not all(tab.updates for tab in tabs):
            await asyncio.sleep(0.01)
        missing = sum(1 for tab in tabs if not tab.updates)
        if missing:
            raise RuntimeError(f"{missing} of {N_CLIENTS} tabs got no update within 10 s")
        samples.extend((tab.updates[0] - t0) * 1000 for tab in tabs)
        await asyncio.sleep(1.0)
    await asyncio.gather(*(tab.sio.disconnect() for tab in tabs))
    return samples, connect_s


def main():
    with tempfile.TemporaryDirectory() as d:
        data = Path(d)
        port = _port()
        env = {
            **os.environ,
            "SGD_DATA_DIR": str(data),
            "SGD_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "SGD_DEMO_PASSWORD": PASSWORD,
            "REFLEX_REDIS_URL": REDIS_URL,
            "GRANIAN_WORKERS": "2",
            "REFLEX_USE_NPM": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        }
        env.pop("DATABASE_URL", None)
        env.pop("PORT", None)  # backend only: the port is given on the command line
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        subprocess.run([sys.executable, "-m", "sgd_app", "init"], cwd=ROOT, env=env, check=True, capture_output=True)
        subprocess.run(
            [sys.executable, "-m", "sgd_app", "demo-data", "--n", str(N_CASES)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        log = data / "app.log"
        with open(log, "w") as out:
            proc = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "reflex"),
                    "run",
                    "--env",
                    "prod",
                    "--backend-only",
                    "--backend-port",
                    str(port),
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait(f"{base}/api/v1/health", proc, log)
            resp = httpx.post(
                f"{base}/api/v1/sesion",
                data={"usuario": "jefe.rop", "clave": PASSWORD},
                headers={"Origin": base},
                follow_redirects=False,
            )
            cookie = "; ".join(f"{k}={v}" for k, v in resp.cookies.items())
            if "sgd_sesion" not in cookie:
                raise RuntimeError(f"login failed: {resp.status_code} {resp.headers.get('location')}")
            # This process changes the same database; its commits signal the app through Redis.
            os.environ.update({"SGD_DATA_DIR": str(data), "REFLEX_REDIS_URL": REDIS_URL})
            from sqlalchemy import text

            from sgd_app import db, live, settings
            from sgd_app.domain import intake
            from sgd_app.domain.documents import FileStore

            db.use_engine(db.make_engine(f"sqlite:///{data / 'sgd.db'}"))
            live.install()
            # The head of ROP watches ROP's dashboard: the filings go straight there (no desk review).
            with db.write_session() as s:
                s.execute(text("UPDATE procedure SET desk_review = :off WHERE code = 'CONST-AF'"), {"off": False})
            store = FileStore(data / "files")
            pdf = one_page_pdf("Solicitud de constancia de afiliación")
            _ = settings

            def change() -> float:
                with db.write_session() as s:
                    intake.file_case(
                        s,
                        store,
                        procedure_code="CONST-AF",
                        filer=intake.FilerInput(
                            doc_type="DNI",
                            doc_number="45678912",
                            name="Rosa Ñahui",
                            email="rosa@example.pe",
                            phone="987654321",
                        ),
                        subject="Constancia (benchmark)",
                        files=[intake.IncomingFile("s.pdf", pdf, "principal")],
                    )
                return time.time()

            samples, connect_s = asyncio.run(_run(base, cookie, change))
        finally:
            try:
                os.killpg(proc.pid, 15)
                proc.wait(timeout=20)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
    yield "dashboard_push_clients", N_CLIENTS, "clients (2 workers, Redis)"
    yield "dashboard_push_connect_s", connect_s, "s (50 tabs hydrated and linked)"
    yield "dashboard_push_p50_ms", sorted(samples)[len(samples) // 2], "ms"
    yield "dashboard_push_p95_ms", p95(samples), "ms"
    yield "dashboard_push_max_ms", max(samples), "ms"


if __name__ == "__main__":
    for name, value, unit in main():
        print(f"{name}: {value:.1f} {unit}", flush=True)
