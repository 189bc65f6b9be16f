"""What the operators watch: the background queues (text recognition, e-mail outbox), read by
``/api/v1/ready`` and by the metrics gauges at scrape time. A few indexed aggregates only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from sgd_app.domain.models import DigitizeJob, OutboxMessage, utcnow
from sgd_app.domain.transaction import query

OCR_WAITING = ("pendiente", "procesando")
MAIL_WAITING = ("pendiente", "enviando")


@dataclass(frozen=True)
class Queues:
    ocr_waiting: int
    ocr_oldest_seconds: float  # of the oldest document waiting for its text (0 when none)
    ocr_failed: int
    mail_waiting: int
    mail_oldest_seconds: float  # of the oldest e-mail not sent yet (0 when none)


def _age(oldest: datetime | None, now: datetime) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return max((now - oldest).total_seconds(), 0.0)


@query
def queues(session: Session, *, now: datetime | None = None) -> Queues:
    now = now or utcnow()
    ocr_n, ocr_oldest = session.execute(
        select(func.count(), func.min(col(DigitizeJob.created_at))).where(col(DigitizeJob.status).in_(OCR_WAITING))
    ).one()
    failed = session.execute(select(func.count()).where(col(DigitizeJob.status) == "error")).scalar() or 0
    mail_n, mail_oldest = session.execute(
        select(func.count(), func.min(col(OutboxMessage.created_at))).where(col(OutboxMessage.status).in_(MAIL_WAITING))
    ).one()
    return Queues(
        ocr_waiting=int(ocr_n or 0),
        ocr_oldest_seconds=_age(ocr_oldest, now),
        ocr_failed=int(failed),
        mail_waiting=int(mail_n or 0),
        mail_oldest_seconds=_age(mail_oldest, now),
    )
