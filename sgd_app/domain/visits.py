"""Visits to the public pages, counted without touching the database on a page view.

A page view only adds one to a counter: a process-local one with a single worker, a Redis hash
(``HINCRBY``) when ``REFLEX_REDIS_URL`` is set (several workers share it). :func:`flush` moves the
counts into ``PageVisit`` (one row per page and day) in ONE transaction; the job runner calls it
every :data:`FLUSH_SECONDS` (``sgd_app/jobs.py``, job ``visitas``) and the app once more at
shutdown. A failed flush puts the counts back, so none is lost nor counted twice.

Only the page and the day are kept: no IP, no cookie, no person.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter
from datetime import date
from typing import Any

from sqlmodel import Session

from sgd_app import settings
from sgd_app.domain.mirador import PUBLIC_PATHS, count_visit
from sgd_app.domain.transaction import act
from sgd_app.domain.vocabulary import today_lima

log = logging.getLogger(__name__)

FLUSH_SECONDS = 30
REDIS_KEY = "sgd:visitas"  # hash: "YYYY-MM-DD|path" -> count

_local: Counter[tuple[date, str]] = Counter()
_lock = threading.Lock()
_clients: dict[str, Any] = {}


def _redis() -> Any:
    """The shared Redis client of the configured URL (None without Redis)."""
    url = settings.REDIS_URL.strip()
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        import redis

        client = _clients[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return client


def _add_local(counts: dict[tuple[date, str], int]) -> None:
    with _lock:
        _local.update(counts)


def count(path: str, day: date | None = None) -> None:
    """One more visit to ``path`` on ``day`` (today in Lima). No database work at all."""
    if path not in PUBLIC_PATHS:
        return
    day = day or today_lima()
    r = _redis()
    if r is not None:
        try:
            r.hincrby(REDIS_KEY, f"{day.isoformat()}|{path}", 1)
            return
        except Exception as exc:  # Redis away: keep it in this process, flushed all the same
            log.warning("No se pudo contar la visita en Redis: %s", exc)
    _add_local({(day, path): 1})


def _parse(raw: dict) -> dict[tuple[date, str], int]:
    out: dict[tuple[date, str], int] = {}
    for field, value in raw.items():
        text = field.decode() if isinstance(field, bytes) else str(field)
        day, _, path = text.partition("|")
        try:
            out[(date.fromisoformat(day), path)] = int(value)
        except ValueError:
            continue  # not ours: ignored
    return out


def pending() -> int:
    """Visits counted but not flushed yet (this process's, and Redis's when configured)."""
    with _lock:
        total = sum(_local.values())
    r = _redis()
    if r is not None:
        try:
            total += sum(int(v) for v in r.hvals(REDIS_KEY))
        except Exception as exc:
            log.warning("No se pudo leer las visitas pendientes en Redis: %s", exc)
    return total


@act
def _store(session: Session, counts: dict[tuple[date, str], int]) -> None:
    for (day, path), n in sorted(counts.items()):
        if n > 0:
            count_visit(session, path, day, n=n)


def _take_redis(r: Any) -> tuple[str, dict[tuple[date, str], int]]:
    """Move the shared hash aside atomically (RENAME): visits counted meanwhile start a new one."""
    aside = f"{REDIS_KEY}:vaciando:{uuid.uuid4().hex}"
    try:
        r.rename(REDIS_KEY, aside)
    except Exception as exc:  # "no such key": nothing counted since the last flush
        if "no such key" in str(exc).lower():
            return "", {}
        raise
    return aside, _parse(r.hgetall(aside))


def flush(engine: Any = None) -> int:
    """Write every pending visit into ``PageVisit`` in one transaction; returns how many."""
    with _lock:
        local = dict(_local)
        _local.clear()
    r = _redis()
    aside, shared = "", dict[tuple[date, str], int]()
    if r is not None:
        try:
            aside, shared = _take_redis(r)
        except Exception as exc:
            log.warning("No se pudo tomar las visitas de Redis: %s", exc)
    counts: Counter[tuple[date, str]] = Counter(local)
    counts.update(shared)
    if not counts:
        return 0
    try:
        _store(dict(counts), engine=engine)
    except Exception:
        _add_local(local)
        if aside:  # back into the live hash (HINCRBY adds to what was counted meanwhile)
            for (day, path), n in shared.items():
                r.hincrby(REDIS_KEY, f"{day.isoformat()}|{path}", n)
            r.delete(aside)
        raise
    if aside:
        r.delete(aside)
    return sum(counts.values())


def forget() -> None:
    """Tests: drop this process's unflushed counts."""
    with _lock:
        _local.clear()
