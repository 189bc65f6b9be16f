"""A citizen filing at the Mesa de Partes Virtual, as the browser does it, for load and fault tests:
a Socket.IO client speaking Reflex's protocol (hydrate + the page's on_load, then the wizard's own
events: choose the procedure, step 1 and 2 forms, the PDF through Reflex's upload endpoint, the
two checkboxes, Enviar) against the app's backend (`reflex run --env prod --backend-only`).

The tab's sessionStorage is kept as the browser keeps it (the filing attempt's key): a citizen
whose connection dropped sends the stored value back on reconnect, as a reloaded tab would.

Also: :func:`start_backend` starts the app's backend on a data dir of its own (one worker, or N
workers sharing state through Redis) and :func:`stop` kills it (SIGKILL for fault tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import socketio

ROOT = Path(__file__).resolve().parent.parent
NS = "/_event"
HYDRATE = "reflex___state____state.hydrate_and_load"
ROOT_STATE = "reflex___state____state"
PAGE = "/mesa-de-partes"
# Every citizen of a test comes from 127.0.0.1: the per-IP limits would refuse them.
OPEN_LIMITS = (
    "filing-ip=100000/hour;filing-doc=100000/day;casilla-code-ip=100000/day;"
    "casilla-code-doc=100000/day;login-ip=100000/15 minutes;track-ip=100000/15 minutes"
)


def _state_name() -> str:
    from sgd_app.state.mesa_de_partes import MesaDePartesState

    return MesaDePartesState.get_full_name()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Backend:
    proc: subprocess.Popen
    base: str
    port: int
    env: dict[str, str]
    log: Path


def backend_env(data: Path, port: int, *, db_url: str = "", redis_url: str = "", workers: int = 1) -> dict[str, str]:
    env = {
        **os.environ,
        "SGD_DATA_DIR": str(data),
        "SGD_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SGD_DEMO_PASSWORD": "clave-demo-citizen-2026",
        "SGD_RATE_LIMITS": OPEN_LIMITS,
        "REFLEX_USE_NPM": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "GRANIAN_WORKERS": str(workers),
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    for key in ("DATABASE_URL", "REFLEX_REDIS_URL", "PORT", "SMTP_URL"):
        env.pop(key, None)
    if db_url:
        env["DATABASE_URL"] = db_url
    if redis_url:
        env["REFLEX_REDIS_URL"] = redis_url
    return env


def start_backend(
    env: dict[str, str],
    port: int,
    log: Path,
    *,
    timeout: float = 240,
    cwd: Path = ROOT,
    health: str = "/api/v1/health",
    prefix: tuple[str, ...] = (),
) -> Backend:
    """The app's backend (production mode, no frontend build) on ``port``; returns once it answers.
    ``cwd``: another Reflex app (the peak benchmark's bare app); ``prefix``: e.g. ``taskset -c 0``."""
    with open(log, "a") as out:
        proc = subprocess.Popen(
            [
                *prefix,
                str(Path(sys.executable).parent / "reflex"),
                *("run", "--env", "prod", "--backend-only"),
                "--backend-port",
                str(port),
            ],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError("the app exited:\n" + log.read_text()[-3000:])
        try:
            if httpx.get(f"{base}{health}", timeout=2).status_code == 200:
                return Backend(proc, base, port, env, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop(Backend(proc, base, port, env, log), kill=True)
    raise RuntimeError("the app did not start:\n" + log.read_text()[-3000:])


def stop(backend: Backend, *, kill: bool = False) -> None:
    """SIGKILL (``kill``: a crash, nothing flushed) or SIGTERM the backend's whole process group."""
    try:
        os.killpg(backend.proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
        backend.proc.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(backend.proc.pid, signal.SIGKILL)
        backend.proc.wait(timeout=30)


def initial_hashes() -> list[str]:
    """What the compiled frontend of the Reflex app imported in this process sends on its first
    hydrate (the hashes of its initial state, as ``reflex export`` computes them)."""
    from reflex.compiler.utils import compile_state
    from reflex.state import State, state_snapshot_hashes

    return state_snapshot_hashes(compile_state(State))


class Dropped(Exception):
    """The connection went away before the answer came."""


@dataclass
class Citizen:
    """One browser tab filing one case. ``dni`` identifies the filing in the database."""

    base: str
    dni: str
    pdf: bytes
    token: str = field(default_factory=lambda: str(uuid.uuid4()))
    session_storage: dict[str, Any] = field(default_factory=dict)  # var -> value, as the tab keeps it
    state: dict[str, Any] = field(default_factory=dict)  # the MesaDePartesState vars seen so far
    receipt: str = ""  # the case number on the receipt screen, once it reached this tab
    hydrated_s: float = 0.0
    event_ms: list[float] = field(default_factory=list)
    state_name: str = ""  # another app's form state (the peak benchmark's bare app); default the wizard's
    # The per-state hashes of the compiled initial state (:func:`initial_hashes`): a browser sends them
    # on its first hydrate and gets only what differs from the defaults it already holds.
    hashes: list[str] | None = None
    new_tokens: int = 0  # times the server replaced this tab's token (its state started over)

    def __post_init__(self) -> None:
        self.sname = self.state_name or _state_name()
        self.key_var = f"{self.sname}.attempt_key_rx_state_"
        self._sio: socketio.AsyncClient | None = None
        self._hydrated = asyncio.Event()
        self._final = asyncio.Event()
        self._updated = asyncio.Event()
        self._until: Any = None
        self._hydrated_once = False

    # ---------------------------------------------------------------- protocol
    def _on_event(self, update: Any) -> None:
        if isinstance(update, str):
            update = json.loads(update)
        if os.environ.get("BENCH_CITIZEN_DEBUG"):
            print("update", json.dumps(update)[:400], flush=True)
        for name, values in (update.get("delta") or {}).items():
            if name == self.sname:
                for k, v in values.items():
                    var = k.removesuffix("_rx_state_")
                    self.state[var] = v
                    if var == "attempt_key":
                        self.session_storage[self.key_var] = v
                    if var == "r_number" and v:
                        self.receipt = v
            if name == ROOT_STATE and values.get("is_hydrated_rx_state_"):
                self._hydrated.set()
        self._updated.set()
        if self._until is not None and self._until(self.state):
            self._final.set()

    def _on_new_token(self, token: str) -> None:
        """Reflex took this tab for a duplicate and gave it a new token (the browser then keeps
        the new one in sessionStorage, with a fresh state): do the same, and count it."""
        self.token = token
        self.new_tokens += 1

    async def connect(self, timeout: float = 60) -> None:
        """Open the tab on /mesa-de-partes: connect, hydrate (with the tab's sessionStorage), on_load."""
        self._sio = socketio.AsyncClient(reconnection=False)
        self._sio.on("event", self._on_event, namespace=NS)
        self._sio.on("new_token", self._on_new_token, namespace=NS)
        # New events: a reconnect may run on another event loop (another asyncio.run).
        self._hydrated, self._final, self._updated = asyncio.Event(), asyncio.Event(), asyncio.Event()
        payload: dict[str, Any] = {}
        if self.session_storage.get(self.key_var):
            payload["vars"] = dict(self.session_storage)
        if self.hashes and not self._hydrated_once:
            payload["hashes"] = self.hashes
        event = {"name": HYDRATE, "payload": payload, "router_data": {"pathname": PAGE, "asPath": PAGE}}
        t = time.perf_counter()
        await self._sio.connect(
            f"{self.base}?token={self.token}",
            socketio_path="/_event",
            transports=["websocket"],
            auth={"event": event},
            namespaces=[NS],
            wait_timeout=timeout,
        )
        await self._wait(self._hydrated, timeout)
        self.hydrated_s = time.perf_counter() - t
        self._hydrated_once = True

    async def _wait(self, ev: asyncio.Event, timeout: float) -> None:
        end = time.monotonic() + timeout
        while not ev.is_set():
            if self._sio is None or not self._sio.connected:
                raise Dropped()
            try:
                await asyncio.wait_for(ev.wait(), min(0.5, max(0.01, end - time.monotonic())))
            except TimeoutError:
                if time.monotonic() >= end:
                    raise
        return None

    async def send(
        self, handler: str, payload: dict[str, Any] | None = None, *, until: Any = None, timeout: float = 60
    ) -> float:
        """One event of the page. Returns the milliseconds to its first update (what the person
        sees first); with ``until`` (a test of the vars), waits until the vars pass it too.
        Reflex marks no end of an event's updates: the wizard's acts each change a var."""
        if self._sio is None or not self._sio.connected:
            raise Dropped()
        self._final.clear()
        self._updated.clear()
        self._until = until
        t = time.perf_counter()
        event = {
            "name": f"{self.sname}.{handler}",
            "payload": payload or {},
            "router_data": {"pathname": PAGE, "asPath": PAGE},
        }
        await self._sio.emit("event", event, namespace=NS)
        try:
            await self._wait(self._updated, timeout)
            first = (time.perf_counter() - t) * 1000
            self.event_ms.append(first)
            if until is not None and not until(self.state):
                await self._wait(self._final, timeout)
        except TimeoutError:
            seen = {k: self.state.get(k) for k in ("step", "errors", "submitting", "r_number")}
            raise TimeoutError(f"{handler}: no answer in {timeout} s; the tab {self.token} shows {seen}") from None
        finally:
            self._until = None
        return first

    async def upload(self, timeout: float = 120) -> None:
        """The principal PDF through Reflex's upload endpoint (what the drop zone posts)."""
        async with httpx.AsyncClient(timeout=timeout) as client:
            resp = await client.post(
                f"{self.base}/_upload",
                headers={"Reflex-Client-Token": self.token, "Reflex-Event-Handler": f"{self.sname}.upload_main"},
                files={"files": ("solicitud.pdf", self.pdf, "application/pdf")},
            )
        if resp.status_code != 200:
            raise RuntimeError(f"upload refused: {resp.status_code} {resp.text[:200]}")
        for line in resp.text.splitlines():  # the upload's state updates, one JSON per line
            if line.strip():
                with contextlib.suppress(ValueError):
                    self._on_event(json.loads(line))

    async def close(self) -> None:
        if self._sio is not None and self._sio.connected:
            await self._sio.disconnect()

    # ---------------------------------------------------------------- the wizard
    async def fill(self) -> None:
        """Steps 0 to 4 of the wizard, up to (not including) Enviar."""

        def at(step: int):
            return lambda st: st.get("step") == step

        await self.send("choose", {"code": "CONST-AF"}, until=at(1))
        await self.send(
            "advance",
            {
                "form": {
                    "kind": "ciudadano",
                    "doc_type": "DNI",
                    "doc_number": self.dni,
                    "name": f"Ciudadana Ñahui {self.dni}",
                    "email": f"c{self.dni}@example.pe",
                    "phone": "987654321",
                    "address": "",
                }
            },
            until=at(2),
        )
        await self.send("advance", {"form": {"subject": f"Constancia de afiliación {self.dni}"}}, until=at(3))
        await self.upload()
        if not any(a.get("role") == "principal" for a in self.state.get("attachments") or []):
            raise RuntimeError(f"the PDF was not taken: {self.state.get('errors')}")
        await self.send("next", until=at(4))
        await self.send("set_privacy_ack", {"value": True}, until=lambda st: st.get("privacy_ack") is True)
        await self.send("set_declaration", {"value": True}, until=lambda st: st.get("declaration") is True)

    async def submit(self, timeout: float = 120) -> str:
        """Enviar; the case number once the receipt reached the tab ("" if the app refused it)."""

        def answered(st: dict[str, Any]) -> bool:
            return bool(st.get("r_number")) or any((st.get("errors") or {}).values())

        await self.send("submit", until=answered, timeout=timeout)
        if not self.receipt:
            raise RuntimeError(f"refused: {self.state.get('errors')}")
        return self.receipt
