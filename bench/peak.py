"""`make bench-peak`: 1,000 citizens at the Mesa de Partes at once (issue 15, item 1), against this
app and against a bare Reflex app (bench/bare: one page, one form state) in the same run.

Each citizen is a Socket.IO client speaking Reflex's protocol (bench/citizen.py), spread over
several generator processes so that the generator is not what is measured. Like a browser, its
first hydrate sends the hashes of the compiled initial state and gets only what differs. Phases, each started
by the parent at the same moment in every generator:

1. *hydrate*: every citizen opens /mesa-de-partes (connect + hydrate + on_load), 100 at a time;
2. *typing*: for ``TYPING_S`` seconds each citizen sends one event every ``INTERVAL_S`` seconds
   (a field left, as the browser sends it on blur) and times the answer;
3. *burst*: for ``BURST_S`` seconds each citizen sends its next event as soon as the previous one
   was answered: the backend's sustained event rate;
4. *submit*: one citizen in ``SUBMIT_EVERY`` fills the steps, uploads a 2 MB PDF and sends it;
   the time from Enviar to the receipt on screen.

The backend runs as in production (`reflex run --env prod --backend-only`); with one worker it is
pinned to core 0 and the generators to the other cores; with two workers (+ Redis) the backend
has every core and the generators share them (say so when reading the 2-worker figures on a
2-core machine). Memory per citizen: the backend's RSS (all its processes) after the hydrate
phase minus before, over the number of citizens.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import citizen as tab

N = int(os.environ.get("BENCH_PEAK_CITIZENS", "1000"))
PROCS = int(os.environ.get("BENCH_PEAK_PROCS", "4"))
TYPING_S = float(os.environ.get("BENCH_PEAK_TYPING_S", "30"))
BURST_S = float(os.environ.get("BENCH_PEAK_BURST_S", "10"))
INTERVAL_S = 2.0
SUBMIT_EVERY = int(os.environ.get("BENCH_PEAK_SUBMIT_EVERY", "5"))
PDF_BYTES = 2 * 1024 * 1024
BARE = tab.ROOT / "bench" / "bare"
BARE_STATE = "reflex___state____state.bare_form___bare_form____form_state"
WORKERS = [int(w) for w in os.environ.get("BENCH_PEAK_WORKERS", "1,2").split(",")]
FIELDS = ("name", "doc_number", "email", "phone", "subject")


def _pctl(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))]


def big_pdf(n_bytes: int = PDF_BYTES) -> bytes:
    """A one-page PDF of about ``n_bytes`` (a photo-like image that does not compress)."""
    import io

    from fpdf import FPDF
    from PIL import Image

    side = int(1000 * (n_bytes / 1_180_000) ** 0.5)  # noise at quality 95: ~1.2 bytes a pixel
    img = Image.frombytes("RGB", (side, side), random.Random(7).randbytes(side * side * 3))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=95)
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, "Solicitud con anexo fotografiado")
    pdf.image(buf, x=10, y=25, w=190)
    return bytes(pdf.output())


# ------------------------------------------------------------------ one generator process
async def _hydrate(citizens: list[tab.Citizen], in_flight: int) -> dict[str, Any]:
    sem = asyncio.Semaphore(in_flight)
    ms: list[float] = []
    errors = 0

    async def open_(c: tab.Citizen) -> None:
        nonlocal errors
        async with sem:
            try:
                await c.connect(timeout=120)
                ms.append(c.hydrated_s * 1000)
            except Exception:
                errors += 1

    t = time.perf_counter()
    await asyncio.gather(*(open_(c) for c in citizens))
    return {"ms": ms, "errors": errors, "wall_s": time.perf_counter() - t}


async def _typing(citizens: list[tab.Citizen], *, paced: bool) -> dict[str, Any]:
    """Paced: one event every INTERVAL_S per citizen for TYPING_S; else closed loop for BURST_S."""
    end = time.monotonic() + (TYPING_S if paced else BURST_S)
    ms: list[float] = []
    errors = sent = 0

    async def type_(c: tab.Citizen, k: int) -> None:
        nonlocal errors, sent
        if paced:
            await asyncio.sleep(random.Random(k).uniform(0, INTERVAL_S))
        n = 0
        while time.monotonic() < end:
            t0 = time.monotonic()
            n += 1
            field = FIELDS[n % len(FIELDS)]
            sent += 1
            value = f"{field} {k} {n}"
            try:  # answered when the new value is back in the tab (not on any earlier update)
                await c.send(
                    "set_value", {"field": field, "value": value}, until=lambda st, f=field, v=value: st.get(f) == v
                )
                ms.append((time.monotonic() - t0) * 1000)
            except Exception:
                errors += 1
                if c._sio is None or not c._sio.connected:
                    return
            if paced:
                await asyncio.sleep(max(0.0, INTERVAL_S - (time.monotonic() - t0)))

    t = time.perf_counter()
    await asyncio.gather(*(type_(c, k) for k, c in enumerate(citizens) if c._sio and c._sio.connected))
    return {"ms": ms, "sent": sent, "errors": errors, "wall_s": time.perf_counter() - t}


async def _submit(citizens: list[tab.Citizen], app: str) -> dict[str, Any]:
    """Fill the steps, upload the PDF, Enviar: the time from Enviar to the receipt."""
    ms: list[float] = []
    errors = 0

    async def file_(c: tab.Citizen) -> None:
        nonlocal errors
        try:
            if app == "app":
                await c.fill()
            else:
                for f in FIELDS:
                    await c.send("set_value", {"field": f, "value": f"{f} {c.dni}"})
                await c.upload()
                await c.send("next")
            t0 = time.perf_counter()
            await c.submit(timeout=120)
            ms.append((time.perf_counter() - t0) * 1000)
        except Exception:
            errors += 1

    t = time.perf_counter()
    await asyncio.gather(*(file_(c) for c in citizens))
    return {"ms": ms, "errors": errors, "wall_s": time.perf_counter() - t}


async def _generator(cfg: dict[str, Any]) -> None:
    """Reads phase names on stdin, runs each for its citizens, prints one JSON line per phase."""
    pdf = big_pdf() if cfg["submitters"] else b""
    first = cfg["first"]
    if cfg["app"] == "app":  # the app's states, for the hashes its compiled frontend sends
        import sgd_app.sgd_app  # noqa: F401
    else:
        sys.path.insert(0, str(BARE))
        import bare_form.bare_form  # noqa: F401
    hashes = tab.initial_hashes()
    citizens = [
        tab.Citizen(
            cfg["base"],
            f"7{i:07d}",
            pdf + f"%{i}\n".encode() if pdf else b"",
            state_name=cfg["state"],
            hashes=hashes,
        )
        for i in range(first, first + cfg["count"])
    ]
    submitters = [c for k, c in enumerate(citizens) if (first + k) % SUBMIT_EVERY == 0]
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print(json.dumps({"phase": "ready"}), flush=True)
    while phase := (await reader.readline()).decode().strip():
        if phase == "hydrate":
            out = await _hydrate(citizens, max(1, 100 // cfg["procs"]))
        elif phase in ("typing", "burst"):
            out = await _typing(citizens, paced=phase == "typing")
        elif phase == "submit":
            out = await _submit(submitters, cfg["app"])
        else:  # quit
            for c in citizens:
                await c.close()
            print(json.dumps({"phase": phase}), flush=True)
            return
        print(json.dumps({"phase": phase, **out}), flush=True)


# ------------------------------------------------------------------ the parent
def _rss_kb(pid: int) -> float:
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
    return total / 1024


def _phase(gens: list[subprocess.Popen], name: str) -> list[dict[str, Any]]:
    for g in gens:
        assert g.stdin is not None
        g.stdin.write(name + "\n")
        g.stdin.flush()
    results = []
    for g in gens:
        assert g.stdout is not None
        line = g.stdout.readline()
        if not line:
            raise RuntimeError(f"a generator died in phase {name}")
        results.append(json.loads(line))
    return results


def run_one(app: str, workers: int, redis_url: str, work: Path) -> dict[str, float]:
    cores = os.cpu_count() or 2
    data = work / f"{app}-{workers}"
    data.mkdir()
    port = tab.free_port()
    if app == "app":
        db_url = ""
        if workers > 1:
            db_url = os.environ.get("BENCH_PEAK_DATABASE_URL", "")
        env = tab.backend_env(data, port, db_url=db_url, redis_url=redis_url if workers > 1 else "", workers=workers)
        subprocess.run(
            [sys.executable, "-m", "sgd_app", "init"], cwd=tab.ROOT, env=env, check=True, capture_output=True
        )
        cwd, health, state = tab.ROOT, "/api/v1/health", ""
    else:
        env = tab.backend_env(data, port, redis_url=redis_url if workers > 1 else "", workers=workers)
        cwd, health, state = BARE, "/ping", BARE_STATE
    if redis_url and workers > 1:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    pin_backend = ("taskset", "-c", "0") if workers == 1 and cores > 1 else ()
    pin_gen = ("taskset", "-c", f"1-{cores - 1}") if workers == 1 and cores > 1 else ()
    log = work / f"{app}-{workers}.log"
    server = tab.start_backend(env, port, log, cwd=cwd, health=health, prefix=pin_backend)
    gens: list[subprocess.Popen] = []
    try:
        time.sleep(2)
        rss_before = _rss_kb(server.proc.pid)
        per = -(-N // PROCS)
        for i in range(PROCS):
            count = min(per, N - i * per)
            cfg = {
                "base": server.base,
                "app": app,
                "state": state,
                "first": i * per,
                "count": count,
                "procs": PROCS,
                "submitters": any((i * per + k) % SUBMIT_EVERY == 0 for k in range(count)),
            }
            gens.append(
                subprocess.Popen(
                    [*pin_gen, sys.executable, "-m", "bench.peak", "--generate", json.dumps(cfg)],
                    cwd=cwd,  # the app's own rxconfig
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    env={**os.environ, "PYTHONPATH": str(tab.ROOT)},
                )
            )
        for g in gens:
            assert g.stdout is not None and json.loads(g.stdout.readline())["phase"] == "ready"
        hyd = _phase(gens, "hydrate")
        rss_after = _rss_kb(server.proc.pid)
        typ = _phase(gens, "typing")
        burst = _phase(gens, "burst")
        sub = _phase(gens, "submit")
        _phase(gens, "quit")
    finally:
        for g in gens:
            g.kill()
        tab.stop(server)

    def merged(rows, key="ms"):
        return [v for r in rows for v in r.get(key, [])]

    typing_ms = merged(typ)
    sent = sum(r["sent"] for r in typ)
    wall = max(r["wall_s"] for r in typ)
    burst_ms = merged(burst)
    return {
        "hydrate_p95_ms": _pctl(merged(hyd), 0.95),
        "hydrate_all_s": max(r["wall_s"] for r in hyd),
        "event_p95_ms": _pctl(typing_ms, 0.95),
        "event_p99_ms": _pctl(typing_ms, 0.99),
        "offered_per_s": sent / wall,
        "answered_per_s": len(typing_ms) / wall,
        "sustained_per_s": len(burst_ms) / max(r["wall_s"] for r in burst),
        "submit_p95_ms": _pctl(merged(sub), 0.95),
        "submitted": float(len(merged(sub))),
        "errors": float(sum(r["errors"] for r in hyd + typ + burst + sub)),
        "memory_per_citizen_kb": (rss_after - rss_before) / N,
    }


UNITS = {
    "hydrate_p95_ms": "ms",
    "hydrate_all_s": "s",
    "event_p95_ms": "ms",
    "event_p99_ms": "ms",
    "offered_per_s": "events/s",
    "answered_per_s": "events/s",
    "sustained_per_s": "events/s",
    "submit_p95_ms": "ms",
    "submitted": "filings",
    "errors": "errors",
    "memory_per_citizen_kb": "KB",
}


def main() -> list[tuple[str, float, str]]:
    from tests.redis_server import RedisServer  # a redis-server of our own on a free port

    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="sgd-peak-") as tmp:
        work = Path(tmp)
        redis_srv = None
        redis_url = os.environ.get("BENCH_REDIS_URL", "")
        if 2 in WORKERS and not redis_url:
            (work / "redis").mkdir()
            redis_srv = RedisServer(work / "redis")
            redis_url = redis_srv.url
        try:
            results: dict[tuple[str, int], dict[str, float]] = {}
            for workers in WORKERS:
                for app in ("app", "bare"):
                    results[(app, workers)] = r = run_one(app, workers, redis_url, work)
                    tag = "peak" if app == "app" else "peak_bare"
                    suffix = "" if workers == 1 else f"_{workers}w"
                    for key, value in r.items():
                        rows.append((f"{tag}_{key}{suffix}", value, UNITS[key]))
                a, b = results[("app", workers)], results[("bare", workers)]
                suffix = "" if workers == 1 else f"_{workers}w"
                for key in ("hydrate_p95_ms", "event_p95_ms", "submit_p95_ms", "memory_per_citizen_kb"):
                    rows.append((f"peak_ratio_{key}{suffix}", a[key] / b[key] if b[key] else float("nan"), "x"))
            if (("app", 1) in results) and (("app", 2) in results):
                one, two = results[("app", 1)]["sustained_per_s"], results[("app", 2)]["sustained_per_s"]
                rows.append(("peak_scale_2w_vs_1w", two / one if one else float("nan"), "x"))
        finally:
            if redis_srv is not None:
                redis_srv.stop()
    return rows


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--generate":
        asyncio.run(_generator(json.loads(sys.argv[2])))
    else:
        print(
            f"# peak: {N} citizens at /mesa-de-partes ({PROCS} generator processes), typing one event every "
            f"{INTERVAL_S:.0f} s for {TYPING_S:.0f} s, a {BURST_S:.0f} s closed-loop burst, 1 in {SUBMIT_EVERY} "
            "uploads a 2 MB PDF and sends; this app vs a bare Reflex app (bench/bare), same run"
        )
        for name, value, unit in main():
            print(f"{name}: {value:.1f} {unit}", flush=True)
