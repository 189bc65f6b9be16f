"""The background worker: take one due job, do it outside any transaction, save the result.

A failure is retried after a back-off (1, 2, 4 ... ≤ 30 min) up to ``MAX_ATTEMPTS`` attempts, then
the job is ``error`` with a Spanish ``last_error``; a broken file is ``error`` at once. When the
app shuts down cleanly the running job is given back at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import os
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pikepdf
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from sgd_app import db, settings
from sgd_app.domain.digitize import ocr
from sgd_app.domain.digitize.analysis import analyse, ocr_mode
from sgd_app.domain.digitize.failures import Failure, Permanent, Retryable, one_line
from sgd_app.domain.digitize.lease import (
    LEASE_SECONDS,
    Abandon,
    Claimed,
    Progress,
    Result,
    claim,
    give_back,
    record_failure,
    save,
)
from sgd_app.domain.digitize.pdftext import extract_pages, join_pages
from sgd_app.domain.digitize.vocabulary import (
    DIGITAL,
    ERR_HASH,
    ERR_MISSING_FILE,
    ERR_OCR_OUTPUT,
    ERR_UNEXPECTED,
    METHOD_NONE,
    METHOD_OCR,
    METHOD_TEXT,
    SIGNED,
    STAGE_ANALYSING,
    STAGE_EXTRACTING,
    STAGE_FINISHING_OCR,
    STAGE_OCR,
    STAGE_SAVING,
)
from sgd_app.domain.documents import FileStore
from sgd_app.domain.models import DigitizeJob, Document, DocumentText, table_of, utcnow

log = logging.getLogger("sgd.digitize")

IDLE_SECONDS = 5.0  # worker_loop: pause when the queue is empty

_t = table_of(DigitizeJob)
_c = _t.c


def _utc(dt: datetime | None) -> datetime | None:
    """Aware UTC (SQLite hands back naive datetimes: they are stored as UTC)."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _process(job: Claimed, data: bytes, store: FileStore, prog: Progress, workdir: Path) -> Result:
    """Read the text a PDF carries, or OCR it into a separate copy (the original is never touched)."""
    prog.report(STAGE_ANALYSING, 3)
    analysis = analyse(data, workdir)
    kind = SIGNED if job.signed else analysis.kind  # the database says signed: trust it too
    prog.report(STAGE_ANALYSING, 5, kind=kind)
    if kind in (SIGNED, DIGITAL):
        # Signed PDFs are never OCRed nor rewritten: only their existing text is read.
        prog.report(STAGE_EXTRACTING, 50)
        text = join_pages(analysis.page_texts)
        return Result(kind, METHOD_TEXT if text else METHOD_NONE, text)

    src = workdir / "original.pdf"
    dst = workdir / "con-texto.pdf"
    src.write_bytes(data)
    os.chmod(src, 0o400)
    pages = analysis.pages

    def on_event(event: dict) -> None:
        desc, total = event.get("desc") or "", event.get("total") or 0
        try:
            done = float(event.get("done") or 0)
        except (TypeError, ValueError):
            done = 0.0
        if desc == "OCR" and total:
            page = min(int(total), int(done) + 1)
            prog.report(STAGE_OCR.format(page=page, pages=int(total)), 10 + int(80 * done / total))
        elif desc == "Scanning contents" and total:
            prog.report(STAGE_ANALYSING, 5 + int(5 * done / total))
        elif desc and prog.last[1] >= 10:
            prog.report(STAGE_FINISHING_OCR, 92)

    ocr.run_ocr(
        src,
        dst,
        mode=ocr_mode(analysis),
        timeout=ocr.ocr_timeout(pages),
        workdir=workdir,
        on_event=on_event,
        tick=prog.tick,
    )
    derivative = dst.read_bytes()
    try:
        with pikepdf.Pdf.open(io.BytesIO(derivative)) as out:
            if len(out.pages) != pages:
                raise Retryable(ERR_OCR_OUTPUT)
    except Retryable:
        raise
    except Exception:
        raise Retryable(ERR_OCR_OUTPUT) from None
    prog.report(STAGE_EXTRACTING, 93)
    text = join_pages(extract_pages(derivative, workdir, pages=pages))
    if not text:
        return Result(kind, METHOD_NONE, "")
    prog.report(STAGE_SAVING, 95)
    sha, created = store.put(derivative)
    return Result(kind, METHOD_OCR, text, sha, created)


def _reuse(engine: Engine, job: Claimed) -> Result | None:
    """Same bytes already processed for another document (a file filed twice): reuse it."""
    with db.session(engine) as s:
        row = s.execute(
            select(col(DocumentText.method), col(DocumentText.text), col(DocumentText.searchable_sha256), _c.kind)
            .join(Document, col(Document.id) == col(DocumentText.document_id))
            .join(_t, _c.document_id == col(Document.id), isouter=True)
            .where(col(Document.sha256) == job.sha256, col(Document.id) != job.document_id)
            .limit(1)
        ).first()
    if row is None:
        return None
    return Result(row.kind or "", row.method, row.text or "", row.searchable_sha256 or "")


def run_next(
    engine: Engine,
    store: FileStore,
    now: datetime | None = None,
    *,
    lease_seconds: float = LEASE_SECONDS,
    stop: threading.Event | None = None,
) -> bool:
    """Claim one due job and do it; False when nothing was due.

    ``now`` (aware UTC; tests move time with it) is the claim time; later writes add the time
    elapsed since. ``stop`` (worker_loop's) makes a running job give itself back and return.
    Never raises for a failure of the job itself: it is recorded on the job.
    """
    start = _utc(now) or utcnow()
    started = time.monotonic()

    def clock() -> datetime:
        return start + timedelta(seconds=time.monotonic() - started)

    job = claim(engine, start, lease_seconds)
    if job is None:
        return False
    prog = Progress(engine, job, clock, lease_seconds, stop)
    result: Result | None = None
    try:
        result = _reuse(engine, job)
        if result is None:
            try:
                data = store.read(job.sha256)
            except (FileNotFoundError, ValueError):
                raise Retryable(ERR_MISSING_FILE) from None
            if hashlib.sha256(data).hexdigest() != job.sha256:
                raise Permanent(ERR_HASH)
            with tempfile.TemporaryDirectory(prefix="sgd-ocr-") as tmp:
                result = _process(job, data, store, prog, Path(tmp))
        prog.report(STAGE_SAVING, 97)
        if not save(engine, job, result, clock()):
            raise Abandon("lease perdido")
        log.info("Documento %s procesado: %s (%s)", job.document_id, result.method, result.kind)
    except Abandon as abandon:
        _drop_derivative(store, result)
        if str(abandon) == "apagado":
            _quietly(give_back, engine, job, clock())
        else:
            log.warning("El trabajo %s pasó a otro proceso (lease vencido)", job.id)
    except Failure as failure:
        _drop_derivative(store, result)
        log.warning("Documento %s: %s (intento %s)", job.document_id, failure.message, job.attempts)
        _quietly(record_failure, engine, job, failure, clock())
    except Exception as exc:
        _drop_derivative(store, result)
        log.exception("Error inesperado al procesar el documento %s", job.document_id)
        _quietly(
            record_failure,
            engine,
            job,
            Retryable(ERR_UNEXPECTED.format(detail=one_line(f"{type(exc).__name__}: {exc}", 200))),
            clock(),
        )
    return True


def _drop_derivative(store: FileStore, result: Result | None) -> None:
    """An OCRed copy written by this attempt whose result was not saved: nothing refers to it."""
    if result is not None and result.created_derivative and result.searchable_sha256:
        try:
            store.remove(result.searchable_sha256)
        except OSError:
            log.warning("No se pudo borrar el derivado %s", result.searchable_sha256, exc_info=True)


def _quietly(fn, *args) -> None:
    try:
        fn(*args)
    except Exception:
        log.exception("No se pudo registrar el estado del trabajo de digitalización")


async def worker_loop(
    engine: Engine | None = None, store: FileStore | None = None, *, idle_seconds: float = IDLE_SECONDS
) -> None:
    """Run forever: process due jobs one at a time in a thread, pausing ``idle_seconds`` when the
    queue is empty. Register once per app process with
    ``app.register_lifespan_task(digitize.worker_loop)``; on cancellation (shutdown) the running
    job is given back to the queue and its OCR process killed."""
    if store is None:
        store = FileStore(settings.files_dir())
    stop = threading.Event()
    log.info("Digitalización: trabajador iniciado")
    try:
        while True:
            try:
                ran = await asyncio.to_thread(run_next, engine or db.engine(), store, stop=stop)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Error en el trabajador de digitalización")
                ran = False
            if not ran:
                await asyncio.sleep(idle_seconds)
    finally:
        stop.set()
