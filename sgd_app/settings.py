"""Every setting of the application, read from the environment in this one place."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


PORT: int = _int("PORT", 3000)
DATA_DIR: Path = Path(os.environ.get("SGD_DATA_DIR", "./data")).resolve()
# PostgreSQL in production (postgresql://user@host/db); SQLite file under DATA_DIR otherwise.
DATABASE_URL: str = os.environ.get("DATABASE_URL", "") or f"sqlite:///{DATA_DIR / 'sgd.db'}"
REDIS_URL: str = os.environ.get("REFLEX_REDIS_URL", "")
SMTP_URL: str = os.environ.get("SMTP_URL", "")
PUBLIC_URL: str = os.environ.get("SGD_PUBLIC_URL", f"http://localhost:{PORT}").rstrip("/")
ALLOWED_ORIGINS: list[str] = [
    o.strip()
    for o in os.environ.get(
        "SGD_ALLOWED_ORIGINS",
        f"{PUBLIC_URL},http://localhost:{PORT},http://127.0.0.1:{PORT}",
    ).split(",")
    if o.strip()
]
# Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto the app believes (comma-separated
# addresses or networks, e.g. "127.0.0.2" or "10.0.0.0/24"). Empty (the default): the headers are
# ignored and the client address is the peer of the connection. The scaled set-up (docs/deploy.md)
# has nginx connect to the workers from 127.0.0.2 and trusts only that address, so no other local
# program can claim another client address (sgd_app/api/proxy_headers.py).
TRUSTED_PROXIES: list[str] = [p.strip() for p in os.environ.get("SGD_TRUSTED_PROXIES", "").split(",") if p.strip()]
# The scaled set-up's TLS certificate and key (PEM files; sgd_app/scale.py, docs/deploy.md). Without
# them `python -m sgd_app scale` makes a self-signed pair once under SGD_DATA_DIR/scale/tls/.
TLS_CERT: str = os.environ.get("SGD_TLS_CERT", "").strip()
TLS_KEY: str = os.environ.get("SGD_TLS_KEY", "").strip()
# Cookies get the Secure flag, and responses the HSTS header, when the public URL is https.
SECURE_COOKIES: bool = PUBLIC_URL.startswith("https://")
# Swagger UI at /api/v1/docs (staff only, served from the swagger-ui-bundle package, never a CDN).
# Off unless SGD_API_DOCS=1: for development. /api/v1/openapi.json is always staff-only.
API_DOCS: bool = os.environ.get("SGD_API_DOCS", "").strip().lower() in ("1", "true", "si", "sí", "yes")

# Institution shown on receipts and pages.
INSTITUTION_NAME: str = os.environ.get("SGD_INSTITUTION", "Jurado Nacional de Elecciones")
INSTITUTION_SHORT: str = os.environ.get("SGD_INSTITUTION_SHORT", "JNE")
FILING_PLACE: str = os.environ.get("SGD_FILING_PLACE", "Mesa de Partes Virtual — Lima, Perú")
TIMEZONE: str = "America/Lima"
# Help and contact (/ayuda, the footer of every citizen page, the error pages).
CONTACT_PHONE: str = os.environ.get("SGD_CONTACT_PHONE", "(01) 311-1700")
CONTACT_HOURS: str = os.environ.get("SGD_CONTACT_HOURS", "lunes a viernes de 8:00 a. m. a 4:30 p. m.")
CONTACT_ADDRESS: str = os.environ.get("SGD_CONTACT_ADDRESS", "Av. Nicolás de Piérola 1070, Cercado de Lima")
CONTACT_EMAIL: str = os.environ.get("SGD_CONTACT_EMAIL", "mesadepartes@jne.gob.pe")

# Front-desk limits (also enforced server-side).
MAX_MAIN_BYTES: int = 20 * 1024 * 1024
MAX_ANNEX_BYTES: int = 10 * 1024 * 1024
MAX_ANNEXES: int = 5
# Largest request body accepted by the upload endpoint (one file per request + multipart overhead).
MAX_UPLOAD_BODY: int = MAX_MAIN_BYTES + 512 * 1024
MAX_API_BODY: int = 64 * 1024
# A filing sent by an API client (POST /api/v1/ext/expedientes): its PDFs in one request.
MAX_API_FILING_BODY: int = 40 * 1024 * 1024

# Staff sessions.
SESSION_IDLE_MINUTES: int = _int("SGD_SESSION_IDLE_MINUTES", 60)
SESSION_ABSOLUTE_HOURS: int = _int("SGD_SESSION_ABSOLUTE_HOURS", 12)
SESSION_COOKIE: str = "sgd_sesion"
# A browser that signed in once keeps a random device token (HttpOnly cookie, only its hash is
# stored): failed logins from it count apart from the rest (OWASP "device cookies").
DEVICE_COOKIE: str = "sgd_dispositivo"
DEVICE_DAYS: int = _int("SGD_DEVICE_DAYS", 180)

# Staff single sign-on with OpenID Connect (docs/sso.md). On when SGD_OIDC_ISSUER is set: the issuer's
# /.well-known/openid-configuration gives every endpoint and the keys (JWKS).
OIDC_ISSUER: str = os.environ.get("SGD_OIDC_ISSUER", "").strip().rstrip("/")
OIDC_CLIENT_ID: str = os.environ.get("SGD_OIDC_CLIENT_ID", "").strip()
# The client secret, or better a 0600 file holding it (SGD_OIDC_CLIENT_SECRET_FILE).
OIDC_CLIENT_SECRET: str = os.environ.get("SGD_OIDC_CLIENT_SECRET", "").strip()
OIDC_CLIENT_SECRET_FILE: str = os.environ.get("SGD_OIDC_CLIENT_SECRET_FILE", "").strip()
OIDC_SCOPES: str = os.environ.get("SGD_OIDC_SCOPES", "").strip() or "openid email profile"
# How a first sign-in finds its staff account: "admin" (only an administrator's mapping subject -> user)
# or "email" (also the provider's e-mail claim, when email_verified is true and one active user has it).
OIDC_LINKING: str = os.environ.get("SGD_OIDC_LINKING", "").strip().lower() or "admin"
# Optional roles from a group claim: "group=UNIT:role;group2=UNIT2:role2" (the claim named by
# SGD_OIDC_GROUPS_CLAIM, default "groups"). Only the (unit, role) pairs named here follow the claim.
OIDC_GROUPS_CLAIM: str = os.environ.get("SGD_OIDC_GROUPS_CLAIM", "").strip() or "groups"
OIDC_GROUP_ROLES: str = os.environ.get("SGD_OIDC_GROUP_ROLES", "").strip()
OIDC_CLOCK_SKEW_SECONDS: int = _int("SGD_OIDC_CLOCK_SKEW_SECONDS", 60)
OIDC_TIMEOUT_SECONDS: float = float(os.environ.get("SGD_OIDC_TIMEOUT_SECONDS", "") or 10)
# A PEM bundle to trust for the provider's TLS certificate (an institution's own CA); default: the system's.
OIDC_CA_FILE: str = os.environ.get("SGD_OIDC_CA_FILE", "").strip()
# "todos" (default): every account may sign in with its local password. "emergencia": only break-glass
# administrators may (the usernames in SGD_BREAK_GLASS_USERS, or every administrator when it is empty).
LOCAL_PASSWORDS: str = os.environ.get("SGD_LOCAL_PASSWORDS", "").strip().lower() or "todos"
BREAK_GLASS_USERS: frozenset[str] = frozenset(
    u.strip().lower() for u in os.environ.get("SGD_BREAK_GLASS_USERS", "").split(",") if u.strip()
)
SSO_STATE_COOKIE: str = "sgd_sso"  # the pending sign-in (state, nonce), signed, 10 minutes


def oidc_client_secret() -> str:
    """The client secret; "" when its file cannot be read (the provider then refuses the code, and
    the sign-in says so: a page load must not fail for it)."""
    if OIDC_CLIENT_SECRET_FILE:
        try:
            return Path(OIDC_CLIENT_SECRET_FILE).read_text().strip()
        except OSError:
            return ""
    return OIDC_CLIENT_SECRET


# How long Reflex keeps a browser tab's state after its last event (memory or Redis state manager):
# a citizen who leaves the filing wizard to find or scan a document keeps what was typed for this
# long; uploads in progress are swept after a day (sgd_app/state/intake_steps.py). Reflex's default
# is one hour. README "Operación" gives the memory this costs.
STATE_EXPIRY_HOURS: float = float(os.environ.get("SGD_STATE_EXPIRY_HOURS", "") or 3)

# Rate limits (domain/ratelimit.py). Counters live in memory with one worker, in Redis when several
# workers run (REFLEX_REDIS_URL) or SGD_RATELIMIT_STORAGE says so ("memory://", "redis://host:6379/0").
RATELIMIT_STORAGE: str = os.environ.get("SGD_RATELIMIT_STORAGE", "") or REDIS_URL or "memory://"
# Overrides of the named limits, "name=limit" separated by ";" (limits notation), for example
# "filing-ip=100/hour;login-ip=200/15 minutes".
RATE_LIMITS: dict[str, str] = {
    k.strip(): v.strip()
    for k, _, v in (p.partition("=") for p in os.environ.get("SGD_RATE_LIMITS", "").split(";"))
    if k.strip() and v.strip()
}

# Digital signatures. "dev": a development PKI generated under DATA_DIR/pki (demos, tests).
# "pkcs12": each official uploads their own PKCS#12 certificate once; its passphrase is asked at
# every signing session and never stored. The seal, trust roots and TSA come from the files below.
SIGNING_MODE: str = os.environ.get("SGD_SIGNING_MODE", "dev")
SEAL_P12: str = os.environ.get("SGD_SEAL_P12", "")  # path to the institution seal's PKCS#12
SEAL_P12_PASSWORD_FILE: str = os.environ.get("SGD_SEAL_P12_PASSWORD_FILE", "")  # a 0600 file
TRUST_ROOTS: str = os.environ.get("SGD_TRUST_ROOTS", "")  # PEM file with the trusted root CAs
TSA_URL: str = os.environ.get("SGD_TSA_URL", "")  # external RFC 3161 timestamp authority

# Scheduled jobs (e-mail delivery, observation expiry, daily digest) run inside the app.
JOBS_TICK_SECONDS: float = float(os.environ.get("SGD_JOBS_TICK_SECONDS", "20"))
EMAIL_EVERY_SECONDS: float = float(os.environ.get("SGD_EMAIL_EVERY_SECONDS", "30"))
DIGEST_AT: str = os.environ.get("SGD_DIGEST_AT", "07:00")  # Lima time

# Operation (README "Operación"). /api/v1/metrics answers only with "Authorization: Bearer <token>";
# without a token configured it answers 404 (never "loopback only": behind a reverse proxy on the
# same host every visitor would come from 127.0.0.1).
METRICS_TOKEN: str = os.environ.get("SGD_METRICS_TOKEN", "").strip()
# prometheus-client's multiprocess mode (several workers): an empty directory, made before start.
METRICS_MULTIPROC_DIR: str = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
# "json": one JSON object per log line (with the request id, and the case number when known).
LOG_FORMAT: str = os.environ.get("SGD_LOG_FORMAT", "").strip().lower()
# /api/v1/ready answers 503 when the oldest waiting OCR job / e-mail (with SMTP_URL) waits longer.
READY_OCR_MAX_MINUTES: int = _int("SGD_READY_OCR_MAX_MINUTES", 60)
READY_MAIL_MAX_MINUTES: int = _int("SGD_READY_MAIL_MAX_MINUTES", 60)

# Exchange with other institutions (docs/interop.md). The institution's RUC makes the CUO and
# is the sender / addressee of every package; filings that arrive are registered under
# INTEROP_PROCEDURE. Packages over INTEROP_MAX_BYTES are refused with 413. The outbox is
# delivered every INTEROP_EVERY_SECONDS; a failed delivery is retried after
# INTEROP_RETRY_SECONDS * 2^(attempt-1) (at most INTEROP_RETRY_MAX_SECONDS), INTEROP_MAX_ATTEMPTS times.
INSTITUTION_RUC: str = os.environ.get("SGD_INSTITUTION_RUC", "20131378972").strip()
INTEROP_PROCEDURE: str = os.environ.get("SGD_INTEROP_PROCEDURE", "SOL-GEN").strip()
INTEROP_MAX_BYTES: int = _int("SGD_INTEROP_MAX_BYTES", 45 * 1024 * 1024)
INTEROP_EVERY_SECONDS: float = float(os.environ.get("SGD_INTEROP_EVERY_SECONDS", "10"))
INTEROP_RETRY_SECONDS: float = float(os.environ.get("SGD_INTEROP_RETRY_SECONDS", "30"))
INTEROP_RETRY_MAX_SECONDS: float = float(os.environ.get("SGD_INTEROP_RETRY_MAX_SECONDS", "3600"))
INTEROP_MAX_ATTEMPTS: int = _int("SGD_INTEROP_MAX_ATTEMPTS", 20)
INTEROP_TIMEOUT_SECONDS: float = float(os.environ.get("SGD_INTEROP_TIMEOUT_SECONDS", "60"))

# Tests point this at PostgreSQL to run the database tests there too.
TEST_DATABASE_URL: str = os.environ.get("SGD_TEST_DATABASE_URL", "")


def files_dir() -> Path:
    return DATA_DIR / "files"


def staging_dir() -> Path:
    return DATA_DIR / "staging"


def secret_key() -> bytes:
    """The installation's secret (signed links), created on first use under DATA_DIR."""

    path = DATA_DIR / "secret.key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(secrets.token_hex(32))
        os.chmod(tmp, 0o600)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)  # atomic: the first writer wins
        tmp.unlink(missing_ok=True)
    return bytes.fromhex(path.read_text().strip())
