"""Where one scaled set-up lives and listens (sgd_app/scale/__init__.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sgd_app import settings

ROOT = Path(__file__).resolve().parents[2]
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
    # Everything of the set-up (configuration, build, logs); production puts it where Debian's
    # nginx may read it, apart from the data dir (docs/deploy.md).
    scale_dir: Path | None = None

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir).resolve()
        if not self.public_url:
            given = settings.PUBLIC_URL
            self.public_url = given if given.startswith("https://") else f"https://localhost:{self.https_port}"
        self.public_url = self.public_url.rstrip("/")

    @property
    def dir(self) -> Path:
        return Path(self.scale_dir).resolve() if self.scale_dir else self.data_dir / "scale"

    @property
    def web_dir(self) -> Path:  # REFLEX_WEB_WORKDIR of the build and of the workers
        return self.dir / "web"

    @property
    def static_dir(self) -> Path:
        return self.web_dir / "build" / "client"

    @property
    def previous_dir(self) -> Path:  # root of the fingerprinted files of earlier builds (assets/)
        return self.dir / "previous"

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
