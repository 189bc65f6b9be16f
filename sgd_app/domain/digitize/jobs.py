"""Queueing documents for text extraction / OCR, and what the screens read of the queue.

One :class:`DigitizeJob` per document (unique), statuses ``pendiente`` → ``procesando`` →
``listo`` | ``error``. Jobs are written in the caller's transaction: a job exists if and only if
its document was committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from sqlalchemy import bindparam, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from sgd_app.domain.digitize.vocabulary import DONE, ERROR, PENDING, STAGE_QUEUED
from sgd_app.domain.models import DigitizeJob, Document, DocumentText, table_of, utcnow
from sgd_app.domain.transaction import act, query

_t = table_of(DigitizeJob)
_c = _t.c


def enqueue(session: Session, document_id: int) -> DigitizeJob | None:
    """Queue the text extraction / OCR of a document inside the caller's transaction.

    Idempotent: when the document already has a job nothing is written and None is returned (a
    concurrent insert of the same job is tolerated through a savepoint, so the caller's
    transaction goes on either way)."""
    found = session.execute(select(_c.id).where(_c.document_id == document_id)).first()
    if found is not None:
        return None
    job = DigitizeJob(
        document_id=document_id, status=PENDING, stage=STAGE_QUEUED, progress=0, attempts=0, next_attempt_at=utcnow()
    )
    nested = session.begin_nested()
    try:
        session.add(job)
        session.flush()
        nested.commit()
    except IntegrityError:
        nested.rollback()
        return None
    return job


def _const(value, column):
    return literal(value, type_=column.type)


@cache
def _enqueue_case_stmt():
    """INSERT ... SELECT of the jobs of a case's documents that have none (built once: this runs
    in every filing)."""
    now = bindparam("now", type_=_c.next_attempt_at.type)
    missing = (
        select(
            col(Document.id),
            _const(PENDING, _c.status),
            _const(0, _c.progress),
            _const(STAGE_QUEUED, _c.stage),
            _const("", _c.kind),
            _const("", _c.method),
            _const(0, _c.attempts),
            now,
            _const("", _c.claim_token),
            _const("", _c.last_error),
            now,
            now,
        )
        .where(col(Document.expediente_id) == bindparam("case_id"))
        .where(~select(_c.id).where(_c.document_id == col(Document.id)).exists())
        .order_by(col(Document.id))
    )
    columns = [
        "document_id",
        "status",
        "progress",
        "stage",
        "kind",
        "method",
        "attempts",
        "next_attempt_at",
        "claim_token",
        "last_error",
        "created_at",
        "updated_at",
    ]
    return insert(_t).from_select(columns, missing).execution_options(preserve_rowcount=True)


def enqueue_case(session: Session, expediente_id: int, *, fresh: bool = False) -> int:
    """Queue, inside the caller's transaction, every document of a case that has no job yet (e.g.
    right after a filing, whose documents are inserted in bulk without ids coming back): one
    ``INSERT ... SELECT``; returns how many were queued."""
    params = {"case_id": expediente_id, "now": utcnow()}
    if fresh:  # a case created in this very transaction: nobody else can have queued its documents
        return max(0, session.connection().execute(_enqueue_case_stmt(), params).rowcount or 0)
    nested = session.begin_nested()
    try:
        queued = session.connection().execute(_enqueue_case_stmt(), params).rowcount
        nested.commit()
        return max(0, queued or 0)
    except IntegrityError:  # a concurrent enqueue of one of them: go one by one
        nested.rollback()
    ids = (
        session.execute(
            select(col(Document.id))
            .where(col(Document.expediente_id) == expediente_id)
            .where(~select(_c.id).where(_c.document_id == col(Document.id)).exists())
        )
        .scalars()
        .all()
    )
    return sum(1 for doc_id in ids if enqueue(session, doc_id) is not None)


@act
def enqueue_missing(session: Session, *, limit: int = 500) -> int:
    """Queue documents that never had a job (documents stored before digitisation existed, or by
    a path that does not enqueue); at most ``limit`` per call; returns how many."""
    ids = (
        session.execute(
            select(col(Document.id))
            .where(~select(_c.id).where(_c.document_id == col(Document.id)).exists())
            .where(
                ~select(col(DocumentText.document_id)).where(col(DocumentText.document_id) == col(Document.id)).exists()
            )
            .order_by(col(Document.id))
            .limit(limit)
        )
        .scalars()
        .all()
    )
    return sum(1 for doc_id in ids if enqueue(session, doc_id) is not None)


@act
def retry(session: Session, document_id: int) -> bool:
    """Give a job in ``error`` a fresh set of attempts (a "Reintentar" button); False when the
    document has no job in error."""
    result = session.exec(
        update(_t)
        .where(_c.document_id == document_id, _c.status == ERROR)
        .values(
            status=PENDING,
            attempts=0,
            next_attempt_at=utcnow(),
            lease_until=None,
            claim_token="",
            stage=STAGE_QUEUED,
            progress=0,
            updated_at=utcnow(),
        )
    )
    return result.rowcount == 1


@query
def progress(session: Session, document_ids: Iterable[int]) -> dict[int, dict]:
    """For the UI: ``{document_id: {"status", "percent", "stage", "method", "error"}}`` for the
    documents that have a job (documents without one are absent)."""
    ids = sorted({int(i) for i in document_ids})
    out: dict[int, dict] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(_c.document_id, _c.status, _c.progress, _c.stage, _c.method, _c.last_error).where(
                _c.document_id.in_(ids[start : start + 500])
            )
        ).all()
        for r in rows:
            out[r.document_id] = {
                "status": r.status,
                "percent": 100 if r.status == DONE else max(0, min(100, int(r.progress or 0))),
                "stage": r.stage,
                "method": r.method,
                "error": r.last_error if r.status == ERROR else "",
            }
    return out
