"""The scaled set-up on one machine (``python -m sgd_app scale``, ``make scale``; docs/deploy.md).

N backend workers (``reflex run --env prod --backend-only``, one granian worker each, on
127.0.0.1:8001…) sharing the tabs' state through Redis (``REFLEX_REDIS_URL``, or a redis-server
started here), the database of ``DATABASE_URL`` (PostgreSQL), and Debian's nginx in front, run in
the foreground with its own configuration, pid and logs under ``SGD_DATA_DIR/scale/`` (never the
system's nginx service): HTTPS (a self-signed certificate made at first start unless
``SGD_TLS_CERT``/``SGD_TLS_KEY`` name one), HTTP -> HTTPS, the static build served by nginx with
the app's security headers, immutable caching of fingerprinted files, the websocket, the upload
limits, and the client's address passed to the app from a proxy address the app trusts alone.

Each worker is its own process so that an upgrade restarts them one at a time (SIGHUP to this
command, or ``Stack.rolling_restart``): nginx stops sending new requests to the worker, the worker
finishes what it has and stops, the new one starts, answers /api/v1/health, and nginx takes it back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sgd_app import settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
# nginx connects to the workers from this address (proxy_bind) and the workers believe
# X-Forwarded-For from it only: no other program on the machine can claim a client's address.
PROXY_ADDRESS = "127.0.0.2"
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")


class ScaleError(Exception):
    """The set-up cannot start (Spanish message for the operator)."""


@dataclass
class Layout:
    """Where everything of one scaled set-up lives and listens."""

    data_dir: Path = field(default_factory=lambda: settings.DATA_DIR)
    workers: int = 2
    https_port: int = 8443
    http_port: int = 8080
    listen: str = "127.0.0.1"
    first_worker_port: int = 8001
    public_url: str = ""
    proxy_address: str = PROXY_ADDRESS
    redis_port: int = 6390

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir).resolve()
        if not self.public_url:
            given = settings.PUBLIC_URL
            self.public_url = given if given.startswith("https://") else f"https://localhost:{self.https_port}"
        self.public_url = self.public_url.rstrip("/")

    @property
    def dir(self) -> Path:
        return self.data_dir / "scale"

    @property
    def web_dir(self) -> Path:  # REFLEX_WEB_WORKDIR of the build and of the workers
        return self.dir / "web"

    @property
    def static_dir(self) -> Path:
        return self.web_dir / "build" / "client"

    @property
    def run_dir(self) -> Path:
        return self.dir / "run"

    @property
    def log_dir(self) -> Path:
        return self.dir / "logs"

    @property
    def worker_ports(self) -> list[int]:
        return [self.first_worker_port + i for i in range(self.workers)]

    @property
    def server_name(self) -> str:
        return urlsplit(self.public_url).hostname or "localhost"


# ---------------------------------------------------------------------------------- TLS


def ensure_certificate(layout: Layout) -> tuple[Path, Path]:
    """The configured certificate and key, or a self-signed pair made once under scale/tls/."""
    if settings.TLS_CERT and settings.TLS_KEY:
        cert, key = Path(settings.TLS_CERT), Path(settings.TLS_KEY)
        if not cert.is_file() or not key.is_file():
            raise ScaleError(f"No se encuentra el certificado TLS configurado ({cert}, {key}).")
        return cert, key
    tls = layout.dir / "tls"
    cert, key = tls / "cert.pem", tls / "key.pem"
    if cert.is_file() and key.is_file():
        return cert, key
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    tls.mkdir(parents=True, exist_ok=True)
    os.chmod(tls, 0o700)
    private = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    host = layout.server_name
    try:
        names.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        if host != "localhost":
            names.append(x509.DNSName(host))
    for loopback in ("127.0.0.1", "::1"):
        if x509.IPAddress(ipaddress.ip_address(loopback)) not in names:
            names.append(x509.IPAddress(ipaddress.ip_address(loopback)))
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, host),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"{settings.INSTITUTION_SHORT} (certificado autofirmado)"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )
    tmp = key.with_suffix(".tmp")
    tmp.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    os.chmod(tmp, 0o600)
    tmp.replace(key)
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert, key


# ------------------------------------------------------------------------------- nginx


def _fill(template: str, values: dict[str, str]) -> str:
    text = (DEPLOY / template).read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(f"@@{name}@@", value)
    if "@@" in text:
        left = text[text.index("@@") :].split("\n", 1)[0]
        raise ScaleError(f"Falta un valor en deploy/{template}: {left}")
    return text


def _listen(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def security_header_lines(layout: Layout, indent: str = "        ") -> str:
    """The app's own security headers (sgd_app/api/headers.py, with the inline-script hashes of
    this build) as nginx ``add_header`` lines, for the files nginx serves itself."""
    from sgd_app.api.headers import build_secure, inline_script_hashes

    headers = build_secure(
        inline_script_hashes(layout.static_dir), public_url=layout.public_url, own_origins=[layout.public_url]
    ).headers
    lines = []
    for name, value in headers.items():
        if "$" in value or '"' in value:  # nginx would read a variable or end the string there
            raise ScaleError(f"La cabecera {name} no se puede escribir en la configuración de nginx.")
        quoted = value
        lines.append(f'{indent}add_header {name} "{quoted}" always;')
    return "\n".join(lines)


def dynamic_route_locations(layout: Layout) -> str:
    """An nginx location per page whose address has a parameter (``/expedientes/[numero]``): the
    build's SPA shell (404.html) with status 200, as Reflex's own static server answers them."""
    import json
    import re

    try:
        routes = json.loads((layout.web_dir / "routes.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        routes = []
    blocks = []
    for route in sorted(r for r in routes if "[" in r):
        parts = []
        for part in route.strip("/").split("/"):
            if part.startswith("[[...") or part.startswith("[..."):
                parts.append(".*")
            elif part.startswith("["):
                parts.append("[^/]+")
            else:
                parts.append(re.escape(part))
        blocks.append(
            f"    location ~ ^/{'/'.join(parts)}/?$ {{\n{security_header_lines(layout)}\n"
            '        add_header Cache-Control "no-cache" always;\n'
            "        try_files /404.html =404;\n    }"
        )
    return "\n".join(blocks)


def too_large_message() -> str:
    limit = settings.MAX_MAIN_BYTES
    return f"El archivo es demasiado grande: el máximo es {limit / (1024 * 1024):.0f} MB."


def render_site(layout: Layout, cert: Path, key: Path, *, down: frozenset[int] = frozenset()) -> str:
    servers = [
        f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=3s{' down' if port in down else ''};"
        for port in layout.worker_ports
    ]
    return _fill(
        "nginx-site.conf.template",
        {
            "UPSTREAM_SERVERS": "\n".join(servers),
            "HTTP_LISTEN": _listen(layout.listen, layout.http_port),
            "HTTPS_LISTEN": _listen(layout.listen, layout.https_port),
            "SERVER_NAME": layout.server_name,
            "PUBLIC_URL": layout.public_url,
            "TLS_CERT": str(cert),
            "TLS_KEY": str(key),
            "STATIC_DIR": str(layout.static_dir),
            "BROTLI": "    brotli_static on;" if BROTLI_MODULE.exists() else "",
            "MAX_API_BODY": str(settings.MAX_API_BODY),
            "MAX_UPLOAD_BODY": str(settings.MAX_UPLOAD_BODY),
            "PROXY_ADDRESS": layout.proxy_address,
            "PROXY_BIND": f"    proxy_bind {layout.proxy_address};" if layout.proxy_address else "",
            "SECURITY_HEADERS": security_header_lines(layout),
            "TOO_LARGE": too_large_message(),
            "DYNAMIC_ROUTES": dynamic_route_locations(layout),
        },
    )


def render_main(layout: Layout, site_conf: Path) -> str:
    return _fill(
        "nginx-main.conf.template",
        {
            "LOAD_MODULES": f"load_module {BROTLI_MODULE};" if BROTLI_MODULE.exists() else "",
            # As root nginx would hand its workers to "nobody", who cannot read a private data dir.
            "USER": "user root;" if os.geteuid() == 0 else "",
            "RUN_DIR": str(layout.run_dir),
            "LOG_DIR": str(layout.log_dir),
            "SITE_CONF": str(site_conf),
        },
    )


def write_configs(layout: Layout, *, down: frozenset[int] = frozenset()) -> Path:
    """Render both files into scale/ (the site file on its own, for Debian's nginx too)."""
    cert, key = ensure_certificate(layout)
    for d in (layout.run_dir, layout.log_dir):
        d.mkdir(parents=True, exist_ok=True)
    site = layout.dir / "nginx-site.conf"
    main = layout.dir / "nginx.conf"
    site.write_text(render_site(layout, cert, key, down=down), encoding="utf-8")
    main.write_text(render_main(layout, site), encoding="utf-8")
    return main


def nginx_binary() -> str:
    exe = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not exe:
        raise ScaleError("Falta nginx: instálelo con «make sysdeps» (apt-get install nginx).")
    return exe


def nginx_args(layout: Layout, main: Path) -> list[str]:
    return [
        nginx_binary(),
        *("-p", str(layout.dir), "-c", str(main), "-e", str(layout.log_dir / "nginx-error.log")),
    ]


# ----------------------------------------------------------------------------- processes


def child_env(layout: Layout, redis_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "SGD_DATA_DIR": str(layout.data_dir),
        "SGD_PUBLIC_URL": layout.public_url,
        "SGD_ALLOWED_ORIGINS": layout.public_url,
        "SGD_TRUSTED_PROXIES": layout.proxy_address,
        "REFLEX_REDIS_URL": redis_url,
        "GRANIAN_WORKERS": "1",
        "REFLEX_WEB_WORKDIR": str(layout.web_dir),
        "REFLEX_USE_NPM": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    env.pop("PORT", None)
    return env


def _seed_web_dir(layout: Layout) -> None:
    """A first build reuses the checkout's installed frontend packages (hard links, read-only use)."""
    source = ROOT / ".web"
    target = layout.web_dir
    if (target / "node_modules").exists() or not (source / "node_modules").is_dir():
        return
    target.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        if (source / name).is_file():
            shutil.copy2(source / name, target / name)
    done = subprocess.run(["cp", "-al", str(source / "node_modules"), str(target / "node_modules")], check=False)
    if done.returncode != 0:
        shutil.rmtree(target / "node_modules", ignore_errors=True)


def build_frontend(layout: Layout, env: dict[str, str], log) -> None:
    """``reflex export --frontend-only`` into scale/web with the public URL baked in."""
    _seed_web_dir(layout)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "reflex"), "export", "--frontend-only", "--no-zip"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        check=False,
    )
    if done.returncode != 0 or not (layout.static_dir / "index.html").is_file():
        raise ScaleError(f"No se pudo construir la interfaz; vea {log.name}.")


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except Exception:
        return False


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _stop(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


class Stack:
    """Redis (unless given), the workers and nginx of one Layout."""

    def __init__(self, layout: Layout, *, say=print):
        self.layout = layout
        self.say = say
        self.redis_url = settings.REDIS_URL
        self.redis: subprocess.Popen | None = None
        self.nginx: subprocess.Popen | None = None
        self.workers: dict[int, subprocess.Popen] = {}
        self.main_conf: Path | None = None
        self.env: dict[str, str] = {}

    # -- start
    def start(self, *, build: bool = True) -> None:
        lay = self.layout
        for d in (lay.dir, lay.run_dir, lay.log_dir):
            d.mkdir(parents=True, exist_ok=True)
        if not self.redis_url:
            self._start_redis()
        self.env = child_env(lay, self.redis_url)
        if settings.DATABASE_URL.startswith("sqlite") and lay.workers > 1:
            self.say("Aviso: varios trabajadores sobre SQLite; en producción use PostgreSQL (DATABASE_URL).")
        with open(lay.log_dir / "setup.log", "a") as log:
            self.say("Actualizando el esquema de la base de datos (python -m sgd_app migrate)…")
            done = subprocess.run(
                [sys.executable, "-m", "sgd_app", "migrate"], cwd=ROOT, env=self.env, stdout=log, stderr=log
            )
            if done.returncode != 0:
                raise ScaleError(f"La actualización del esquema falló; vea {log.name}.")
            if build or not (lay.static_dir / "index.html").is_file():
                self.say(f"Construyendo la interfaz para {lay.public_url}…")
                build_frontend(lay, self.env, log)
        for i in range(lay.workers):
            self.start_worker(i)
        for i in range(lay.workers):
            self.wait_worker(i)
        self.main_conf = write_configs(lay)
        test = subprocess.run([*nginx_args(lay, self.main_conf), "-t", "-q"], capture_output=True, text=True)
        if test.returncode != 0:
            raise ScaleError(f"La configuración de nginx no es válida:\n{test.stderr}")
        with open(lay.log_dir / "nginx.out", "a") as out:
            self.nginx = subprocess.Popen(
                [*nginx_args(lay, self.main_conf), "-g", "daemon off;"],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.time() + 30
        while not _healthy_https(f"https://127.0.0.1:{lay.https_port}/api/v1/health"):
            if self.nginx.poll() is not None or time.time() > deadline:
                raise ScaleError(f"nginx no arrancó; vea {lay.log_dir / 'nginx-error.log'}.")
            time.sleep(0.2)
        (lay.run_dir / "scale.pid").write_text(str(os.getpid()))

    def _start_redis(self) -> None:
        exe = shutil.which("redis-server")
        if not exe:
            raise ScaleError("Falta redis-server: instálelo con «make sysdeps» o defina REFLEX_REDIS_URL.")
        port = self.layout.redis_port
        folder = self.layout.dir / "redis"
        folder.mkdir(parents=True, exist_ok=True)
        args = ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--appendonly", "yes"]
        with open(self.layout.log_dir / "redis.log", "a") as log:
            self.redis = subprocess.Popen([exe, *args], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.redis_url = f"redis://127.0.0.1:{port}/0"
        import redis

        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
        deadline = time.time() + 20
        while time.time() < deadline:
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    return
            if self.redis.poll() is not None:
                break
            time.sleep(0.1)
        raise ScaleError(f"redis-server no arrancó; vea {self.layout.log_dir / 'redis.log'}.")

    def start_worker(self, i: int) -> None:
        port = self.layout.worker_ports[i]
        if not _port_free(port):
            raise ScaleError(f"El puerto {port} del trabajador {i + 1} está ocupado.")
        with open(self.layout.log_dir / f"worker-{port}.log", "a") as log:
            self.workers[i] = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "reflex"),
                    *("run", "--env", "prod", "--backend-only"),
                    *("--backend-host", "127.0.0.1", "--backend-port", str(port)),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_worker(self, i: int, timeout: float = 180) -> None:
        port = self.layout.worker_ports[i]
        deadline = time.time() + timeout
        while not _healthy(f"http://127.0.0.1:{port}/api/v1/health"):
            proc = self.workers[i]
            if proc.poll() is not None or time.time() > deadline:
                raise ScaleError(f"El trabajador {i + 1} no arrancó; vea {self.layout.log_dir / f'worker-{port}.log'}.")
            time.sleep(0.2)

    # -- while running
    def _reload_nginx(self, down: frozenset[int] = frozenset()) -> None:
        self.main_conf = write_configs(self.layout, down=down)
        if self.nginx is not None and self.nginx.poll() is None:
            os.kill(self.nginx.pid, signal.SIGHUP)
            time.sleep(1.0)  # the new nginx workers take over; the old ones finish what they hold

    def restart_worker(self, i: int) -> None:
        """Restart one worker while the others answer: out of nginx, stop, start, back in."""
        port = self.layout.worker_ports[i]
        self._reload_nginx(down=frozenset({port}))
        _stop(self.workers.get(i))
        self.start_worker(i)
        self.wait_worker(i)
        self._reload_nginx()

    def rolling_restart(self) -> None:
        for i in range(self.layout.workers):
            self.say(f"Reiniciando el trabajador {i + 1} de {self.layout.workers}…")
            self.restart_worker(i)
        self.say("Reinicio escalonado terminado.")

    def check(self) -> None:
        """Restart a worker that died; stop everything when nginx or Redis died."""
        if self.nginx is not None and self.nginx.poll() is not None:
            raise ScaleError(f"nginx terminó; vea {self.layout.log_dir / 'nginx-error.log'}.")
        if self.redis is not None and self.redis.poll() is not None:
            raise ScaleError("redis-server terminó.")
        for i, proc in list(self.workers.items()):
            if proc.poll() is not None:
                self.say(f"El trabajador {i + 1} terminó (código {proc.returncode}); se reinicia.")
                self.start_worker(i)
                self.wait_worker(i)

    def stop(self) -> None:
        if self.nginx is not None:
            _stop(self.nginx, signal.SIGQUIT, timeout=35)
        for proc in self.workers.values():
            _stop(proc)
        if self.redis is not None:
            _stop(self.redis)
        with contextlib.suppress(FileNotFoundError):
            (self.layout.run_dir / "scale.pid").unlink()


def _healthy_https(url: str) -> bool:
    import ssl

    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url, timeout=2, context=ctx) as r:
            return r.status == 200
    except Exception:
        return False


def run(layout: Layout, *, build: bool = True) -> int:
    """The command: start everything, supervise, SIGHUP = rolling restart, SIGTERM/Ctrl+C = stop."""
    stack = Stack(layout, say=lambda m: print(m, flush=True))
    wanted = {"restart": False, "stop": False}

    def on_hup(_sig, _frame):
        wanted["restart"] = True

    def on_stop(_sig, _frame):
        wanted["stop"] = True

    signal.signal(signal.SIGHUP, on_hup)
    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    try:
        stack.start(build=build)
        print(
            f"Trámite Digital en {layout.public_url} ({layout.workers} trabajadores en "
            f"{', '.join(map(str, layout.worker_ports))}, Redis {stack.redis_url}, nginx en {layout.https_port}).\n"
            f"Reinicio escalonado: kill -HUP {os.getpid()}   Detener: Ctrl+C o kill {os.getpid()}",
            flush=True,
        )
        while not wanted["stop"]:
            if wanted["restart"]:
                wanted["restart"] = False
                try:
                    stack.rolling_restart()
                except ScaleError as exc:  # the workers that are up keep serving
                    print(f"Reinicio escalonado interrumpido: {exc}", file=sys.stderr, flush=True)
            stack.check()
            time.sleep(1)
    except ScaleError as exc:
        print(exc, file=sys.stderr, flush=True)
        return 1
    finally:
        stack.stop()
    print("Detenido.", flush=True)
    return 0
