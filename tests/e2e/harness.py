"""Browser tests: the production build served by `reflex run --env prod` on a free port, with
its own data dir, driven by Playwright on Debian's Chromium.

A plugin of the whole run (``pytest_plugins`` in tests/conftest.py), not a conftest: the browser
suites of tests/e2e and tests/security share ONE server per backend and ONE Playwright (a second
sync Playwright in the same run refuses to start)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "tests/e2e/node_modules/axe-core/axe.min.js"
DEMO_PASSWORD = "clave-demo-e2e-2026"
PHONE = {"width": 390, "height": 844}


def _free_port() -> int:
    """A port outside the kernel's ephemeral range (32768-60999 by default), free on IPv4 and
    IPv6. A port picked with bind(0) is an ephemeral one: an outgoing connection (e.g. to
    PostgreSQL during the set-up) can take it before the app binds it, and Reflex then exits
    with "port already in use"."""
    import errno
    import random

    for _ in range(200):
        port = random.randint(20000, 30000)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind(("", port))
            try:
                with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
                    s.bind(("::", port))
            except OSError as exc:
                if exc.errno not in (errno.EAFNOSUPPORT, errno.EADDRNOTAVAIL):
                    raise
            return port
        except OSError:
            continue
    raise RuntimeError("no free port in 20000-30000")


def _wait(url: str, proc: subprocess.Popen, log: Path, timeout: float = 420) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited early:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            pass
        time.sleep(1)
    raise RuntimeError(f"the app did not start in {timeout}s:\n{log.read_text()[-4000:]}")


class _Mailbox:
    """A real SMTP server (aiosmtpd) the app sends its e-mail to during the browser tests."""

    def __init__(self):
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(
            {
                "to": list(envelope.rcpt_tos),
                "subject": str(msg["subject"]),
                "body": msg.get_body(preferencelist=("plain",)).get_content(),
                "attachments": [(a.get_filename(), a.get_content()) for a in msg.iter_attachments()],
            }
        )
        return "250 OK"

    def wait_for(self, predicate, timeout: float = 30.0) -> dict:
        deadline = time.time() + timeout
        while time.time() < deadline:
            for m in self.messages:
                if predicate(m):
                    return m
            time.sleep(0.3)
        raise AssertionError(f"no e-mail matched in {timeout}s; received: {[m['subject'] for m in self.messages]}")


@pytest.fixture(scope="session")
def mailbox():
    from aiosmtpd.controller import Controller

    box = _Mailbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.port = port
    yield box
    controller.stop()


PG_URL = os.environ.get("SGD_TEST_DATABASE_URL", "")


def db_rows(server: dict, sql: str, *params) -> list[tuple]:
    """Rows of ``sql`` from the app's own database (SQLite or PostgreSQL), with dates as ISO
    strings and booleans as 0/1 so assertions read the same on both."""
    import datetime as dt

    from sqlalchemy import text

    from sgd_app import db

    eng = db.make_engine(server["db_url"])
    try:
        with eng.connect() as conn:
            sql_named = sql
            for i in range(len(params)):
                sql_named = sql_named.replace("?", f":p{i}", 1)
            rows = conn.execute(text(sql_named), {f"p{i}": v for i, v in enumerate(params)}).all()
    finally:
        eng.dispose()

    def norm(v):
        if isinstance(v, bool):
            return int(v)
        if isinstance(v, (dt.date, dt.datetime)):
            return v.isoformat()
        return v

    return [tuple(norm(v) for v in row) for row in rows]


def _desk_review_off(db_url: str) -> None:
    """Online filings go straight to their unit in the browser tests (the catalogue's default is
    review at the desk first): tests/e2e/test_desk_review.py turns it on for the procedure it files."""
    from sqlalchemy import text

    from sgd_app import db

    eng = db.make_engine(db_url)
    try:
        with eng.begin() as conn:
            conn.execute(text("UPDATE procedure SET desk_review = :off"), {"off": False})
    finally:
        eng.dispose()


def start_prod(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """The production build (frontend and backend on one port) in a process group of its own."""
    with open(log, "w") as out:
        return subprocess.Popen(
            [
                str(Path(sys.executable).parent / "reflex"),
                *("run", "--env", "prod", "--single-port"),
                *("--frontend-port", str(port), "--backend-port", str(port)),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_prod(proc: subprocess.Popen) -> None:
    """SIGTERM the app's process group; SIGKILL if it has not gone in 20 s."""
    try:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)


@pytest.fixture(scope="session", params=["sqlite"] + (["postgresql"] if PG_URL else []))
def app_server(request, tmp_path_factory, mailbox):
    """The production build on a free port, on SQLite — and, when SGD_TEST_DATABASE_URL is set,
    once more on PostgreSQL (every browser test runs against both). A test may ask for
    "redis" (indirect parametrization): two workers sharing state through Redis, on PostgreSQL
    when it is available."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for browser tests (apt-get install chromium)")
    data = tmp_path_factory.mktemp("data")
    port = _free_port()
    schema = None
    redis_env = {}
    if request.param == "redis":
        import redis

        redis_url = request.getfixturevalue("redis_url")  # the session's Redis (tests/redis_server.py)
        redis.Redis.from_url(redis_url).flushdb()
        redis_env = {"REFLEX_REDIS_URL": redis_url, "GRANIAN_WORKERS": "2"}
    if request.param == "postgresql" or (request.param == "redis" and PG_URL):
        import uuid

        from sqlalchemy import text

        from sgd_app import db

        schema = f"e2e_{uuid.uuid4().hex[:10]}"
        admin = db.make_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in PG_URL else "?"
        db_url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    else:
        db_url = f"sqlite:///{data / 'sgd.db'}"
    env = {
        **os.environ,
        "SMTP_URL": f"smtp://127.0.0.1:{mailbox.port}?from=mesadepartes%40jne.example.pe",
        "SGD_JOBS_TICK_SECONDS": "1",
        "SGD_EMAIL_EVERY_SECONDS": "1",
        "SGD_DATA_DIR": str(data),
        "PORT": str(port),
        "SGD_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SGD_DEMO_PASSWORD": DEMO_PASSWORD,
        # Every browser comes from 127.0.0.1 and files with the same few document numbers.
        "SGD_RATE_LIMITS": "filing-ip=10000/hour;filing-doc=10000/day;casilla-code-ip=10000/day;"
        "casilla-code-doc=1000/day;login-ip=10000/15 minutes;track-ip=10000/15 minutes",
        "REFLEX_USE_NPM": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REFLEX_REDIS_URL", None)
    env.update(redis_env)
    if schema:
        env["DATABASE_URL"] = db_url
    subprocess.run([sys.executable, "-m", "sgd_app", "init"], cwd=ROOT, env=env, check=True, capture_output=True)
    _desk_review_off(db_url)
    log = data / "app.log"
    proc = start_prod(env, port, log)
    base = f"http://127.0.0.1:{port}"
    mailbox.messages.clear()  # each backend's run starts numbering again: never match old mail
    try:
        _wait(f"{base}/api/v1/health", proc, log)
        _wait(f"{base}/", proc, log)
        yield {"base": base, "data": data, "env": env, "mail": mailbox, "db_url": db_url, "backend": request.param}
    finally:
        stop_prod(proc)
        if schema:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


# Pages are painted before their scripts run (sgd_app/frontend_build.py): a click on the painted
# HTML before React has taken over does nothing, as for a person tapping in the first second. The
# tests act as a person who waits for the page to come alive: every context marks the document when
# the app's socket connects (Reflex's instrumentation hook, after React mounted), and `goto` to an
# app page waits for that mark.
_ALIVE_SCRIPT = """
(function () {
  var hooks = window.__reflex_otel || {};
  var previous = hooks.onSocketConnect;
  hooks.onSocketConnect = function () {
    document.documentElement.setAttribute("data-e2e-vivo", "");
    if (previous) return previous.apply(this, arguments);
  };
  window.__reflex_otel = hooks;
})();
"""


def _patch_playwright() -> None:
    from playwright.sync_api import Browser, Page

    if getattr(Page, "_sgd_patched", False):
        return
    new_context = Browser.new_context
    goto = Page.goto

    def new_context_alive(self, *args, **kwargs):
        ctx = new_context(self, *args, **kwargs)
        ctx.add_init_script(_ALIVE_SCRIPT)
        return ctx

    def goto_alive(self, url, *args, **kwargs):
        response = goto(self, url, *args, **kwargs)
        kind = (response.headers.get("content-type", "") if response else "") or ""
        if kind.startswith("text/html") and "/api/" not in url:
            self.wait_for_selector("html[data-e2e-vivo]", state="attached", timeout=30000)
        return response

    Browser.new_context = new_context_alive  # type: ignore[method-assign]
    Page.goto = goto_alive  # type: ignore[method-assign]
    Page._sgd_patched = True  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    _patch_playwright()
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def phone(browser):
    ctx = browser.new_context(viewport=PHONE, locale="es-PE", is_mobile=True, has_touch=True, accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(20000)
    yield page
    ctx.close()


@pytest.fixture
def desktop(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-PE", accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(20000)
    yield page
    ctx.close()


def shot(page, name: str) -> None:
    """With SGD_SHOTS=<dir>, keep a full-page screenshot to look at (layout review)."""
    folder = os.environ.get("SGD_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (npm package, injected into the page) and return serious/critical violations."""
    # Evaluated over the DevTools protocol: the site's Content-Security-Policy refuses an injected
    # inline <script> (add_script_tag), as it should.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1)
