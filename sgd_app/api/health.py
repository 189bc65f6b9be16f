"""Liveness and readiness, for load balancers, orchestrators and ``make run``.

* ``GET /api/v1/health`` — liveness: the process answers. It reads nothing: a database outage
  must not make an orchestrator restart every worker (that would not bring the database back).
* ``GET /api/v1/ready`` — readiness: the database answers, Redis too when configured, this
  worker's scheduler ticks, and the background queues are moving (the oldest document waiting
  for OCR and, with SMTP, the oldest e-mail waiting less than SGD_READY_*_MAX_MINUTES). 200 when
  all hold, else 503; the JSON says which check failed and why, in Spanish.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from sgd_app import db, jobs, settings
from sgd_app.domain import operations

log = logging.getLogger("sgd.ready")
router = APIRouter()
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/api/v1/health")
def health() -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


def _database() -> tuple[dict[str, Any], str]:
    try:
        db.ping()
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}, f"La base de datos no responde ({type(exc).__name__})."
    return {"ok": True}, ""


def _redis() -> tuple[dict[str, Any], str]:
    if not settings.REDIS_URL.strip():
        return {"ok": True, "configured": False}, ""
    try:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return {"ok": False, "configured": True, "error": type(exc).__name__}, (
            f"Redis no responde ({type(exc).__name__})."
        )
    return {"ok": True, "configured": True}, ""


def _scheduler() -> tuple[dict[str, Any], str]:
    if jobs.last_tick is None:  # a process that does not run the scheduler (CLI, tests)
        return {"ok": True, "running": False}, ""
    age = time.monotonic() - jobs.last_tick
    limit = max(5 * settings.JOBS_TICK_SECONDS, 60.0)
    if age > limit:
        return {"ok": False, "running": True, "seconds_since_tick": round(age, 1)}, (
            f"El planificador de tareas no avanza desde hace {int(age)} s."
        )
    return {"ok": True, "running": True, "seconds_since_tick": round(age, 1)}, ""


def _queues() -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    q = operations.queues()
    reasons = []
    ocr_ok = q.ocr_oldest_seconds <= settings.READY_OCR_MAX_MINUTES * 60
    if not ocr_ok:
        reasons.append(
            f"Hay {q.ocr_waiting} documento(s) esperando reconocimiento de texto; el más antiguo, "
            f"desde hace {int(q.ocr_oldest_seconds // 60)} min."
        )
    mail_ok = not settings.SMTP_URL.strip() or q.mail_oldest_seconds <= settings.READY_MAIL_MAX_MINUTES * 60
    if not mail_ok:
        reasons.append(
            f"Hay {q.mail_waiting} correo(s) sin enviar; el más antiguo, desde hace {int(q.mail_oldest_seconds // 60)} min."
        )
    ocr = {"ok": ocr_ok, "waiting": q.ocr_waiting, "oldest_seconds": round(q.ocr_oldest_seconds, 1)}
    mail = {"ok": mail_ok, "waiting": q.mail_waiting, "oldest_seconds": round(q.mail_oldest_seconds, 1)}
    return ocr, mail, reasons


@router.get("/api/v1/ready")
def ready() -> JSONResponse:
    checks: dict[str, Any] = {}
    reasons: list[str] = []
    for name, check in (("database", _database), ("redis", _redis), ("scheduler", _scheduler)):
        checks[name], reason = check()
        if reason:
            reasons.append(reason)
    if checks["database"]["ok"]:
        checks["ocr"], checks["mail"], queue_reasons = _queues()
        reasons += queue_reasons
    else:
        checks["ocr"] = checks["mail"] = {"ok": False, "error": "sin base de datos"}
    body = {"status": "ok" if not reasons else "error", "checks": checks, "reasons": reasons}
    if reasons:
        log.warning("No está listo: %s", " ".join(reasons))
    return JSONResponse(body, status_code=200 if not reasons else 503, headers=NO_STORE)
