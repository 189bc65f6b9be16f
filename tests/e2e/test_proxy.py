"""The scaled set-up end to end (issue 15, items 4 and 8): ``python -m sgd_app scale`` with two
workers, Redis and the database (PostgreSQL when SGD_TEST_DATABASE_URL is set, else SQLite) behind
Debian's nginx over HTTPS, started on the PREVIOUS release's data (tests/migrations/fixtures,
59db773) after the upgrade step (``python -m sgd_app migrate``). A citizen files a case through the
proxy; then the workers are restarted one at a time (SIGHUP) while /api/v1/health is polled
through nginx and a citizen is half-way through the wizard."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.harness import CHROMIUM, PG_URL, PHONE, ROOT, _free_port, db_rows, shot
from tests.e2e.steps import fill_filer, send_filing, start_filing, upload_main
from tests.migrations.conftest import RELEASES, load_previous_release

RELEASE = RELEASES[-1]
SPOOFED = "203.0.113.9"  # what a client writes in X-Forwarded-For: nginx replaces it


def _free_pair() -> int:
    """A port whose next one is free too (the two workers)."""
    for _ in range(50):
        port = _free_port()
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port + 1)) != 0:
                return port
    raise RuntimeError("no two consecutive free ports")


def _wait_log(log: Path, text: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in log.read_text(encoding="utf-8", errors="replace"):
            return
        if proc.poll() is not None:
            raise RuntimeError(f"python -m sgd_app scale exited:\n{log.read_text()[-4000:]}")
        time.sleep(0.5)
    raise RuntimeError(f"«{text}» did not appear in {timeout}s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def scaled(tmp_path_factory, redis_url):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for browser tests (apt-get install chromium)")
    if not Path("/usr/sbin/nginx").exists():
        pytest.fail("Debian's nginx is required for the proxy test (make sysdeps)")
    import redis
    from sqlalchemy import text

    from sgd_app import db

    data = tmp_path_factory.mktemp("scaled")
    https, http, first = _free_port(), _free_port(), _free_pair()
    redis_db = redis_url.rsplit("/", 1)[0] + "/7"  # apart from the harness's servers (db 0)
    redis.Redis.from_url(redis_db).flushdb()
    schema = None
    if PG_URL:
        schema = f"e2e_proxy_{uuid.uuid4().hex[:8]}"
        admin = db.make_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in PG_URL else "?"
        db_url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    else:
        db_url = f"sqlite:///{data / 'sgd.db'}"
    eng = db.make_engine(db_url)
    load_previous_release(eng, RELEASE)  # a data dir of the release before this one, with its cases
    eng.dispose()
    env = {
        **os.environ,
        "SGD_DATA_DIR": str(data),
        "DATABASE_URL": db_url,
        "REFLEX_REDIS_URL": redis_db,
        "SGD_PUBLIC_URL": f"https://127.0.0.1:{https}",
        "SGD_RATE_LIMITS": "filing-ip=10000/hour;filing-doc=10000/day",
        "REFLEX_USE_NPM": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    for name in ("SMTP_URL", "PORT", "SGD_TRUSTED_PROXIES", "SGD_ALLOWED_ORIGINS"):
        env.pop(name, None)
    upgrade = subprocess.run(
        [sys.executable, "-m", "sgd_app", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert upgrade.returncode == 0, upgrade.stderr
    assert "versión anterior reconocida y actualizada" in upgrade.stdout  # the upgrade step did the work
    before = db_rows({"db_url": db_url}, "SELECT count(*), max(number) FROM expediente")[0]
    log = data / "scale.out"
    started = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sgd_app",
                "scale",
                "--workers",
                "2",
                "--port",
                str(https),
                "--http-port",
                str(http),
                "--first-worker-port",
                str(first),
                "--listen",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_log(log, "Reinicio escalonado: kill -HUP", proc, timeout=420)
        yield {
            "base": f"https://127.0.0.1:{https}",
            "http": f"http://127.0.0.1:{http}",
            "https_port": https,
            "proc": proc,
            "log": log,
            "data": data,
            "env": env,
            "db_url": db_url,
            "redis": redis.Redis.from_url(redis_db),
            "before": before,
            "start_s": time.perf_counter() - started,
        }
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        if schema:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def _citizen(browser):
    ctx = browser.new_context(
        viewport=PHONE,
        locale="es-PE",
        is_mobile=True,
        has_touch=True,
        ignore_https_errors=True,  # the certificate the scale command made for itself
        extra_http_headers={"X-Forwarded-For": SPOOFED},
    )
    page = ctx.new_page()
    page.set_default_timeout(20000)
    sockets: list = []
    page.on("websocket", lambda ws: sockets.append(ws))
    responses: list = []
    page.on("response", lambda r: responses.append(r))
    return ctx, page, sockets, responses


def _filing_ip_keys(r) -> list[str]:
    return [k.decode() for k in r.scan_iter(match="*filing-ip*", count=1000)]


def test_a_citizen_files_through_nginx_with_two_workers(scaled, browser, tmp_path):
    base = scaled["base"]
    ctx, page, sockets, responses = _citizen(browser)
    try:
        # Plain HTTP is sent to HTTPS, path and query kept.
        page.goto(f"{scaled['http']}/mesa-de-partes?desde=aviso")
        assert page.url == f"{base}/mesa-de-partes?desde=aviso"
        start_filing(page, base)
        fill_filer(page)
        page.get_by_role("button", name="Continuar").click()
        page.get_by_label("Asunto: ¿qué solicita?").fill("Constancia pedida a través del proxy")
        page.get_by_role("button", name="Continuar").click()
        upload_main(page, tmp_path, make_pdf_bytes())  # /_upload through nginx
        expect(page.get_by_text("solicitud.pdf")).to_be_visible()
        page.get_by_role("button", name="Continuar").click()
        number, _key = send_filing(page)
        shot(page, "proxy-receipt-390")
    finally:
        ctx.close()
    # The case is in the upgraded database, after the previous release's cases.
    count, _ = db_rows(scaled, "SELECT count(*), max(number) FROM expediente")[0]
    assert count == scaled["before"][0] + 1
    assert db_rows(scaled, "SELECT count(*) FROM expediente WHERE number = ?", number.strip())[0][0] == 1

    # The socket went through nginx (wss on the public port), to /_event.
    assert sockets and all(ws.url.startswith(f"wss://127.0.0.1:{scaled['https_port']}/_event") for ws in sockets)
    # Fingerprinted files are cached for a year; pages revalidate.
    assets = [r for r in responses if "/assets/" in r.url and r.status == 200]
    assert assets, [r.url for r in responses][:20]
    for r in assets:
        assert r.headers.get("cache-control") == "public, max-age=31536000, immutable", r.url
        assert r.headers.get("x-content-type-options") == "nosniff", r.url
        assert r.headers.get("content-security-policy", "").startswith("default-src 'none'"), r.url
        assert "permissions-policy" not in r.headers, r.url
    pages = [r for r in responses if r.url.split("?")[0] == f"{base}/mesa-de-partes" and r.status == 200]
    assert pages and pages[0].headers.get("cache-control") == "no-cache"
    assert "script-src 'self' 'sha256-" in pages[0].headers.get("content-security-policy", "")
    assert pages[0].headers.get("strict-transport-security", "").startswith("max-age=31536000")

    # The per-address limit counted the citizen's own address (what nginx saw, 127.0.0.1): not the
    # proxy's (127.0.0.2, where nginx connects from) and not what the browser wrote in the header.
    keys = _filing_ip_keys(scaled["redis"])
    assert any("127.0.0.1" in k for k in keys), keys
    assert not any("127.0.0.2" in k for k in keys) and not any(SPOOFED in k for k in keys), keys

    # nginx's own refusal of a body over the upload limit is Spanish JSON, like the app's.
    with httpx.Client(verify=False, timeout=30) as client:
        big = client.post(f"{base}/_upload", content=b"0" * (21 * 1024 * 1024 + 1))
        assert big.status_code == 413 and "demasiado grande" in big.json()["detail"]
        unknown = client.get(f"{base}/no-existe")
        assert unknown.status_code == 404 and "text/html" in unknown.headers["content-type"]
        case_page = client.get(f"{base}/expedientes/{number.strip()}")
        assert case_page.status_code == 200 and case_page.headers["cache-control"] == "no-cache"


def make_pdf_bytes() -> bytes:
    from tests.conftest import make_pdf

    return make_pdf(1)


def _poll_health(base: str, stop: threading.Event, outcome: dict) -> None:
    with httpx.Client(verify=False, timeout=5) as client:
        while not stop.is_set():
            try:
                r = client.get(f"{base}/api/v1/health")
                outcome["ok" if r.status_code == 200 else "failed"] += 1
                if r.status_code != 200:
                    outcome["errors"].append(r.status_code)
            except httpx.HTTPError as exc:
                outcome["failed"] += 1
                outcome["errors"].append(repr(exc)[:120])
            time.sleep(0.05)


def test_rolling_restart_behind_nginx_loses_nothing(scaled, browser, tmp_path):
    base = scaled["base"]
    ctx, page, sockets, _ = _citizen(browser)
    outcome: dict = {"ok": 0, "failed": 0, "errors": []}
    stop = threading.Event()
    poller = threading.Thread(target=_poll_health, args=(base, stop, outcome), daemon=True)
    try:
        # Half-way through the wizard: what the citizen typed lives in Redis, not in a worker.
        start_filing(page, base)
        fill_filer(page, dni="41234567", name="Rosa Elena Mamani Condori")
        page.get_by_role("button", name="Continuar").click()
        page.get_by_label("Asunto: ¿qué solicita?").fill("Presentado durante el reinicio escalonado")
        poller.start()
        time.sleep(1)
        t = time.perf_counter()
        scaled["proc"].send_signal(signal.SIGHUP)  # the upgrade's last step: restart the workers one by one
        banner = page.get_by_text("Sin conexión con el servidor.")
        banner_seen = 0  # checks (every ~0.2 s) in which the tab showed "no connection"
        while "Reinicio escalonado terminado." not in scaled["log"].read_text():
            assert scaled["proc"].poll() is None and time.perf_counter() - t < 300, scaled["log"].read_text()[-3000:]
            banner_seen += banner.is_visible()
            page.wait_for_timeout(200)
        restart_s = time.perf_counter() - t
        time.sleep(1)
        stop.set()
        poller.join(timeout=10)
        # The citizen carries on where they were, on whichever worker the tab reconnected to.
        page.get_by_role("button", name="Continuar").click()
        upload_main(page, tmp_path, make_pdf_bytes())
        expect(page.get_by_text("solicitud.pdf")).to_be_visible()
        page.get_by_role("button", name="Continuar").click()
        expect(page.get_by_text("Presentado durante el reinicio escalonado")).to_be_visible()
        number, _key = send_filing(page)
        reconnects = len(sockets) - 1
    finally:
        stop.set()
        ctx.close()
    print(
        f"\nproxy_start_s: {scaled['start_s']:.1f} s (build + 2 workers + nginx)\n"
        f"rolling_restart_s: {restart_s:.1f} s\nhealth_polls_ok: {outcome['ok']}\n"
        f"health_polls_failed: {outcome['failed']}\ntab_socket_reconnects: {reconnects}\n"
        f"tab_no_connection_banner_checks: {banner_seen}"
    )
    assert outcome["ok"] > 100 and outcome["failed"] == 0, outcome["errors"][:10]
    assert "Reiniciando el trabajador 2 de 2" in scaled["log"].read_text()
    # Nothing of the previous release nor of this run was lost; the audit chain still verifies.
    count, _ = db_rows(scaled, "SELECT count(*), max(number) FROM expediente")[0]
    assert count == scaled["before"][0] + 2
    assert db_rows(scaled, "SELECT count(*) FROM expediente WHERE number = ?", number.strip())[0][0] == 1
    audit = subprocess.run(
        [sys.executable, "-m", "sgd_app", "audit", "verify"],
        cwd=ROOT,
        env=scaled["env"],
        capture_output=True,
        text=True,
    )
    assert audit.returncode == 0 and "íntegra" in audit.stdout, audit.stdout + audit.stderr
