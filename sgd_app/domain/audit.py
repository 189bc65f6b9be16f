"""Tamper-evident trail: every change writes one event in the same transaction; each event's
hash covers its content and the previous event's hash. The database refuses UPDATE/DELETE."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from sgd_app.domain.models import AuditEvent, AuditHead, table_of, utcnow

GENESIS = "0" * 64


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    *, prev_hash: str, seq: int, at: datetime, actor: str, action: str, object_type: str, object_id: str, data: str
) -> str:
    body = canonical([seq, _stamp(at), actor, action, object_type, object_id, data])
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


_head = table_of(AuditHead)
_HEAD = select(_head.c.seq, _head.c.hash).where(_head.c.id == 1).with_for_update()
_INSERT = table_of(AuditEvent).insert()
_MOVE_HEAD = _head.update().where(_head.c.id == 1)


@dataclass(frozen=True)
class Recorded:
    seq: int
    hash: str


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: Any,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Recorded:
    """Append one event to the chain, inside the caller's transaction.

    The chain head row is locked (``FOR UPDATE`` on PostgreSQL; SQLite write transactions
    already hold the database's write lock), so concurrent writers append one after another.
    """
    conn = session.connection()
    head_seq, head_hash = conn.execute(_HEAD).one()
    at = at or utcnow()
    seq = head_seq + 1
    payload = canonical(data or {})
    h = event_hash(
        prev_hash=head_hash,
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        data=payload,
    )
    conn.execute(
        _INSERT,
        dict(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            data=payload,
            prev_hash=head_hash,
            hash=h,
        ),
    )
    conn.execute(_MOVE_HEAD, {"seq": seq, "hash": h})
    return Recorded(seq, h)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""


def verify_chain(events: Iterable[AuditEvent]) -> ChainReport:
    """Recompute the chain; name the first event whose content or link does not match."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    for ev in events:
        if ev.seq != expected_seq:
            return ChainReport(False, checked, expected_seq, f"falta el evento {expected_seq}")
        if ev.prev_hash != prev:
            return ChainReport(False, checked, ev.seq, "el enlace con el evento anterior no coincide")
        h = event_hash(
            prev_hash=prev,
            seq=ev.seq,
            at=ev.at,
            actor=ev.actor,
            action=ev.action,
            object_type=ev.object_type,
            object_id=ev.object_id,
            data=ev.data,
        )
        if h != ev.hash:
            return ChainReport(False, checked, ev.seq, "el contenido del evento fue modificado")
        prev = ev.hash
        expected_seq += 1
        checked += 1
    return ChainReport(True, checked)


def verify(session: Session, batch: int = 5000) -> ChainReport:
    def stream():
        last = 0
        while True:
            rows = session.exec(
                select(AuditEvent).where(col(AuditEvent.seq) > last).order_by(col(AuditEvent.seq)).limit(batch)
            ).all()
            if not rows:
                return
            yield from rows
            last = rows[-1].seq

    report = verify_chain(stream())
    if report.ok:
        head = session.get(AuditHead, 1)
        if head and head.seq != report.checked:
            return ChainReport(
                False, report.checked, report.checked + 1, "la cabeza de la cadena no coincide con el último evento"
            )
    return report
