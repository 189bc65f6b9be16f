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

from sgd_app.scale.layout import PROXY_ADDRESS, Layout, ScaleError
from sgd_app.scale.nginx import nginx_args, render_main, render_site, write_configs
from sgd_app.scale.stack import Stack, build_frontend, build_only, run
from sgd_app.scale.tls import ensure_certificate

__all__ = [
    "PROXY_ADDRESS",
    "Layout",
    "ScaleError",
    "Stack",
    "build_frontend",
    "build_only",
    "ensure_certificate",
    "nginx_args",
    "render_main",
    "render_site",
    "run",
    "write_configs",
]
