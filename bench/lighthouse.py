"""``make lighthouse``: Lighthouse 13 (mobile) on every citizen page of the production build.

Builds and serves the app on its own data dir with demo data (``LH_DEMO_CASES``, default 2000
cases) the way a citizen's phone reaches it in production (``LH_VIA=nginx``, the default):
``python -m sgd_app scale --workers 1`` — one worker and Redis behind Debian's nginx over HTTPS
(self-signed; Chromium is told to accept it), so the phone gets what production sends: HTTP/2,
Brotli, immutable assets, nginx's headers. ``LH_VIA=direct`` measures the app's own server
(``reflex run --env prod --single-port``, HTTP/1.1). Then it runs the offline Lighthouse set-up script
(``LIGHTHOUSE``, default ../shared/tools/lighthouse.sh) ``LH_RUNS`` times (default 3) over every
page, and prints the median of each figure, one line each:

    lighthouse_home_perf: 0.95
    lighthouse_home_a11y: 1.00
    lighthouse_home_bp: 1.00
    lighthouse_home_cls: 0.000
    lighthouse_home_kib: 301
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["/", "/mesa-de-partes", "/seguimiento", "/casilla", "/verificar", "/mirador", "/ayuda"]
_LINE = re.compile(r"^(\S+) perf=(\S+) a11y=(\S+) bp=(\S+) kib=(\S+) lcp_ms=(\S+) cls=(\S+)$")


def _insecure():
    """The stack's self-signed certificate, for the warm-up requests of this measurement."""
    import ssl

    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _name(path: str) -> str:
    return path.strip("/").replace("-", "_") or "home"


def _wait(url: str, proc: subprocess.Popen, log: Path, timeout: float = 600) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"la aplicación terminó antes de tiempo:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            pass
        time.sleep(1)
    raise SystemExit(f"la aplicación no arrancó en {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_text(log: Path, text: str, proc: subprocess.Popen, timeout: float = 900) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in log.read_text(encoding="utf-8", errors="replace"):
            return
        if proc.poll() is not None:
            raise SystemExit(f"python -m sgd_app scale terminó antes de tiempo:\n{log.read_text()[-3000:]}")
        time.sleep(1)
    raise SystemExit(f"python -m sgd_app scale no arrancó en {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def _chromium_accepting(data: Path) -> str:
    """A CHROME_PATH for the Lighthouse script: Debian's chromium accepting the stack's
    self-signed certificate (only for this measurement)."""
    wrapper = data / "chromium-lh"
    real = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    wrapper.write_text(f'#!/bin/sh\nexec {real} --ignore-certificate-errors "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def main() -> int:
    # The checkout's sibling shared/ (main checkout) or two levels up (a worktree under wt/).
    near = [p / "shared/tools/lighthouse.sh" for p in (ROOT.parent, ROOT.parent.parent)]
    tool = Path(os.environ.get("LIGHTHOUSE") or next((p for p in near if p.is_file()), near[0]))
    if not tool.is_file():
        print(f"Falta el script de Lighthouse: {tool} (variable LIGHTHOUSE)", file=sys.stderr)
        return 2
    runs = int(os.environ.get("LH_RUNS", "3"))
    port = os.environ.get("LH_PORT", "3917")
    via = os.environ.get("LH_VIA", "nginx")
    data = Path(tempfile.mkdtemp(prefix="sgd-lighthouse-"))
    if via == "nginx":
        https = _free_port()
        base = f"https://127.0.0.1:{https}"
    else:
        base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SGD_DATA_DIR": str(data),
        "SGD_PUBLIC_URL": base,
        "SGD_DEMO_PASSWORD": os.environ.get("SGD_DEMO_PASSWORD", "lighthouse-demo-2026"),
        "REFLEX_USE_NPM": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    for key in ("DATABASE_URL", "REFLEX_REDIS_URL", "SMTP_URL", "SGD_TRUSTED_PROXIES"):
        env.pop(key, None)
    subprocess.run([sys.executable, "-m", "sgd_app", "init"], cwd=ROOT, env=env, check=True, capture_output=True)
    n = os.environ.get("LH_DEMO_CASES", "2000")
    subprocess.run(
        [sys.executable, "-m", "sgd_app", "demo-data", "--n", n], cwd=ROOT, env=env, check=True, capture_output=True
    )
    log = data / "app.log"
    if via == "nginx":
        cmd = [sys.executable, "-m", "sgd_app", "scale", "--workers", "1", "--listen", "127.0.0.1"]
        cmd += ["--port", str(https), "--http-port", str(_free_port()), "--first-worker-port", str(_free_port())]
    else:
        env["PORT"] = port
        reflex = str(Path(sys.executable).parent / "reflex")
        cmd = [reflex, "run", "--env", "prod", "--single-port", "--frontend-port", port, "--backend-port", port]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    figures: dict[str, dict[str, list[float]]] = {p: {} for p in PAGES}
    try:
        if via == "nginx":
            _wait_text(log, "Reinicio escalonado: kill -HUP", proc)
            env["CHROME_PATH"] = _chromium_accepting(data)
        else:
            _wait(f"{base}/api/v1/health", proc, log)
            _wait(f"{base}/", proc, log)
        for path in PAGES:  # warm up: the first request of each page (and the demo summaries)
            urllib.request.urlopen(base + path, timeout=30, context=_insecure()).read()
        for _ in range(runs):
            out = subprocess.run(
                ["bash", str(tool), base, *PAGES], env=env, capture_output=True, text=True, check=False
            ).stdout
            for line in out.splitlines():
                m = _LINE.match(line.strip())
                if not m:
                    if line.strip():
                        print(f"# {line.strip()}", file=sys.stderr)
                    continue
                path, perf, a11y, bp, kib, _lcp, cls = m.groups()
                for key, value in (("perf", perf), ("a11y", a11y), ("bp", bp), ("kib", kib), ("cls", cls)):
                    figures.setdefault(path, {}).setdefault(key, []).append(float(value))
    finally:
        try:
            os.killpg(proc.pid, 15)  # the scale command stops its worker, Redis and nginx itself
            proc.wait(timeout=90 if via == "nginx" else 20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
    missing = 0
    for path in PAGES:
        got = figures.get(path, {})
        if not got:
            print(f"lighthouse_{_name(path)}_perf: ERROR")
            missing += 1
            continue
        for key, fmt in (
            ("perf", "{:.2f}"),
            ("a11y", "{:.2f}"),
            ("bp", "{:.2f}"),
            ("cls", "{:.3f}"),
            ("kib", "{:.0f}"),
        ):
            print(f"lighthouse_{_name(path)}_{key}: {fmt.format(statistics.median(got[key]))}")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
