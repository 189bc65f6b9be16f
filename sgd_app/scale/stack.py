"""The processes of the scaled set-up: Redis, the workers, nginx; the supervising command."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sgd_app import settings
from sgd_app.scale.layout import ROOT, Layout, ScaleError
from sgd_app.scale.nginx import nginx_args, write_configs


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
        # Reflex's own folders of this set-up, not the checkout's (another server may use those).
        "REFLEX_STATES_WORKDIR": str(layout.run_dir / "states"),
        "REFLEX_UPLOADED_FILES_DIR": str(layout.run_dir / "uploaded_files"),
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


def keep_previous_assets(layout: Layout, *, days: int = 7) -> None:
    """Keep the fingerprinted files of the build being replaced (hard links) for ``days``: a tab
    opened before the upgrade still loads the page modules it asks for later (nginx looks there
    when the new build does not have a name)."""
    current = layout.static_dir / "assets"
    kept = layout.previous_dir / "assets"
    kept.mkdir(parents=True, exist_ok=True)
    if current.is_dir():
        for f in current.iterdir():
            target = kept / f.name
            if f.is_file() and not target.exists():
                try:
                    os.link(f, target)
                except OSError:
                    shutil.copy2(f, target)
                os.utime(target)  # its age counts from this upgrade
    limit = time.time() - days * 86400
    for f in kept.iterdir():
        if f.is_file() and f.stat().st_mtime < limit:
            f.unlink()


def build_frontend(layout: Layout, env: dict[str, str], log) -> None:
    """``reflex export --frontend-only`` into scale/web with the public URL baked in."""
    _seed_web_dir(layout)
    keep_previous_assets(layout)
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
        # Each `reflex run` empties its states folder at start: one folder per worker, never the
        # checkout's .states that another server of the same checkout uses (two starting at once
        # race on the same files).
        env = {**self.env, "REFLEX_STATES_WORKDIR": str(self.layout.run_dir / f"states-{port}")}
        with open(self.layout.log_dir / f"worker-{port}.log", "a") as log:
            self.workers[i] = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "reflex"),
                    *("run", "--env", "prod", "--backend-only"),
                    *("--backend-host", "127.0.0.1", "--backend-port", str(port)),
                ],
                cwd=ROOT,
                env=env,
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


def build_only(layout: Layout) -> Path:
    """Build the frontend and write the nginx files, starting nothing (a release on systemd)."""
    for d in (layout.dir, layout.log_dir):
        d.mkdir(parents=True, exist_ok=True)
    with open(layout.log_dir / "setup.log", "a") as log:
        build_frontend(layout, child_env(layout, settings.REDIS_URL), log)
    return write_configs(layout)


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
