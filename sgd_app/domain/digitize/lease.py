"""A worker's hold on one job: the claim, guarded writes, progress and the end of an attempt.

A job is claimed in a short write transaction with a conditional ``UPDATE ... WHERE id = ? AND
<row still as read>`` and a random ``claim_token``: two workers (threads, processes, hosts; SQLite
or PostgreSQL) never both get it. Every later write is guarded by the token and renews the lease
(``lease_until``), so a worker that lost its lease can never overwrite the result of the one that
took over, and a job left ``procesando`` by a crash is taken over once its lease expires.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import String, and_, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import col

from sgd_app import db
from sgd_app.domain import search
from sgd_app.domain.digitize.failures import Failure, Permanent, one_line
from sgd_app.domain.digitize.vocabulary import (
    DONE,
    ERR_INTERRUPTED,
    ERROR,
    PENDING,
    PROCESSING,
    STAGE_DONE,
    STAGE_ERROR,
    STAGE_QUEUED,
    STAGE_READING,
    STAGE_RETRY,
)
from sgd_app.domain.models import DigitizeJob, Document, DocumentText, table_of

log = logging.getLogger("sgd.digitize")

MAX_ATTEMPTS = 3
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 30 * 60
LEASE_SECONDS = 300.0  # renewed by every progress write and every HEARTBEAT_SECONDS
HEARTBEAT_SECONDS = 20.0
_CLAIM_SCAN = 20

_t = table_of(DigitizeJob)
_c = _t.c
_MAX_STAGE = cast(String, _c.stage.type).length


class Abandon(Exception):
    """Stop working on the job: the lease was lost, or the worker is shutting down."""


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt after ``attempts`` failed ones: 1, 2, 4 ... ≤ 30 minutes."""
    exponent = min(max(0, attempts - 1), 20)
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2**exponent, BACKOFF_MAX_SECONDS))


@dataclass(frozen=True)
class Claimed:
    """A job this worker holds, with what it needs of the document."""

    id: int
    document_id: int
    token: str
    attempts: int  # including this one
    expediente_id: int
    sha256: str
    signed: bool


def claim(engine: Engine, now: datetime, lease_seconds: float) -> Claimed | None:
    """Take one due job: pendiente and due, or procesando with an expired lease (a crash)."""
    due = (
        select(_c.id, _c.document_id, _c.status, _c.attempts, _c.claim_token)
        .where(
            or_(
                and_(_c.status == PENDING, _c.next_attempt_at <= now),
                and_(_c.status == PROCESSING, _c.lease_until < now),
            )
        )
        .order_by(_c.next_attempt_at, _c.id)
        .limit(_CLAIM_SCAN)
    )
    with db.write_session(engine) as s:
        conn = s.connection()
        for r in conn.execute(due).all():
            still = and_(
                _c.id == r.id, _c.status == r.status, _c.attempts == r.attempts, _c.claim_token == r.claim_token
            )
            if r.status == PROCESSING and r.attempts >= MAX_ATTEMPTS:
                conn.execute(
                    update(_t)
                    .where(still)
                    .values(
                        status=ERROR,
                        stage=STAGE_ERROR,
                        lease_until=None,
                        claim_token="",
                        last_error=ERR_INTERRUPTED.format(n=r.attempts),
                        finished_at=now,
                        updated_at=now,
                    )
                )
                continue
            token = secrets.token_hex(16)
            taken = conn.execute(
                update(_t)
                .where(still)
                .values(
                    status=PROCESSING,
                    attempts=r.attempts + 1,
                    claim_token=token,
                    lease_until=now + timedelta(seconds=lease_seconds),
                    stage=STAGE_READING,
                    progress=0,
                    updated_at=now,
                )
            )
            if taken.rowcount != 1:
                continue  # another worker got it first
            doc = conn.execute(
                select(col(Document.expediente_id), col(Document.sha256), col(Document.signed)).where(
                    col(Document.id) == r.document_id
                )
            ).first()
            assert doc is not None  # a job's document is a foreign key
            return Claimed(
                id=r.id,
                document_id=r.document_id,
                token=token,
                attempts=r.attempts + 1,
                expediente_id=doc.expediente_id,
                sha256=doc.sha256,
                signed=bool(doc.signed),
            )
    return None


def _held(job: Claimed):
    return and_(_c.id == job.id, _c.status == PROCESSING, _c.claim_token == job.token)


def update_job(engine: Engine, job: Claimed, values: dict) -> bool:
    """One guarded write to our job; False when the lease is no longer ours."""
    with db.write_session(engine) as s:
        result = s.connection().execute(update(_t).where(_held(job)).values(**values))
    return result.rowcount == 1


class Progress:
    """Writes stage and percentage (renewing the lease) when they change, and a heartbeat when
    nothing changed for a while; raises Abandon when the lease is lost or on shutdown."""

    def __init__(
        self,
        engine: Engine,
        job: Claimed,
        clock: Callable[[], datetime],
        lease_seconds: float,
        stop: threading.Event | None,
    ):
        self.engine, self.job, self.clock = engine, job, clock
        self.lease_seconds, self.stop = lease_seconds, stop
        self.last: tuple[str, int] = (STAGE_READING, 0)
        self.last_write = time.monotonic()

    def report(self, stage: str, percent: int, **extra) -> None:
        self.check_stop()
        percent = max(self.last[1], min(99, int(percent)))  # never goes back
        if (stage, percent) == self.last and not extra:
            return
        self._write(stage=stage[:_MAX_STAGE], progress=percent, **extra)
        self.last = (stage, percent)

    def tick(self) -> None:
        self.check_stop()
        if time.monotonic() - self.last_write >= HEARTBEAT_SECONDS:
            self._write()

    def check_stop(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise Abandon("apagado")

    def _write(self, **values) -> None:
        now = self.clock()
        values.update(lease_until=now + timedelta(seconds=self.lease_seconds), updated_at=now)
        try:
            ours = update_job(self.engine, self.job, values)
        except Exception:
            log.warning("No se pudo actualizar el avance del trabajo %s", self.job.id, exc_info=True)
            return
        self.last_write = time.monotonic()
        if not ours:
            raise Abandon("lease perdido")


@dataclass(frozen=True)
class Result:
    """What an attempt found: the PDF's kind, how its text was read, the text, the OCRed copy."""

    kind: str
    method: str
    text: str
    searchable_sha256: str = ""
    created_derivative: bool = False


def save(engine: Engine, job: Claimed, result: Result, now: datetime) -> bool:
    """The result and the job's end, in one short transaction; False when the lease was lost."""
    with db.write_session(engine) as s:
        conn = s.connection()
        done = conn.execute(
            update(_t)
            .where(_held(job))
            .values(
                status=DONE,
                progress=100,
                stage=STAGE_DONE,
                kind=result.kind,
                method=result.method,
                lease_until=None,
                claim_token="",
                last_error="",
                finished_at=now,
                updated_at=now,
            )
        )
        if done.rowcount != 1:
            s.rollback()
            return False
        row = s.get(DocumentText, job.document_id)
        if row is None:
            row = DocumentText(document_id=job.document_id, expediente_id=job.expediente_id, method=result.method)
        row.method = result.method
        row.text = result.text
        row.searchable_sha256 = result.searchable_sha256
        row.updated_at = now
        s.add(row)
        s.flush()
        search.index_document(s, job.document_id)
    return True


def record_failure(engine: Engine, job: Claimed, failure: Failure, now: datetime) -> None:
    """Back to the queue after a back-off, or ``error`` for good (permanent, or out of attempts)."""
    final = isinstance(failure, Permanent) or job.attempts >= MAX_ATTEMPTS
    if final:
        values = dict(status=ERROR, stage=STAGE_ERROR, finished_at=now)
    else:
        values = dict(
            status=PENDING,
            progress=0,
            next_attempt_at=now + backoff(job.attempts),
            stage=STAGE_RETRY.format(attempt=job.attempts + 1, attempts=MAX_ATTEMPTS),
        )
    values.update(lease_until=None, claim_token="", last_error=one_line(failure.message), updated_at=now)
    update_job(engine, job, values)


def give_back(engine: Engine, job: Claimed, now: datetime) -> None:
    """Shutting down: the job goes back to the queue as it was (this attempt does not count)."""
    update_job(
        engine,
        job,
        dict(
            status=PENDING,
            attempts=job.attempts - 1,
            next_attempt_at=now,
            lease_until=None,
            claim_token="",
            stage=STAGE_QUEUED,
            progress=0,
            updated_at=now,
        ),
    )
