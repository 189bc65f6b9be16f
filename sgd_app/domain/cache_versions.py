"""Versions of the data each worker caches in memory (table ``cacheversion``).

The act that changes cached data calls :func:`bump` in its own transaction; a reader compares
the version it cached with :func:`current` (at most every few seconds) and reloads when they
differ, so every worker and process drops its copy, whichever of them made the change. In the
process that made it, the listeners given to :func:`on_commit` run right after the commit.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event, select, update
from sqlmodel import Session, col

from sgd_app.domain.models import CacheVersion, table_of
from sgd_app.domain.sql import insert_if_absent

CATALOGUE = "catalogo"  # the public procedure catalogue (domain/intake/catalogue.py)

_INFO_KEY = "sgd_cache_bumped"
_listeners: dict[str, list[Callable[[], None]]] = {}


def bump(session: Session, name: str) -> None:
    """One more version of ``name``, in the caller's transaction (seen by others once committed)."""
    insert_if_absent(session, table_of(CacheVersion), {"name": name, "version": 0})
    session.execute(
        update(CacheVersion)
        .where(col(CacheVersion.name) == name)
        .values(version=col(CacheVersion.version) + 1)
        .execution_options(synchronize_session=False)
    )
    session.info.setdefault(_INFO_KEY, set()).add(name)


def current(session: Session, name: str) -> int:
    """The committed version of ``name`` (0 before its first change)."""
    found = session.execute(select(col(CacheVersion.version)).where(col(CacheVersion.name) == name)).scalar()
    return int(found or 0)


def on_commit(name: str, fn: Callable[[], None]) -> None:
    """Call ``fn`` in this process right after a transaction that bumped ``name`` commits."""
    _listeners.setdefault(name, []).append(fn)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    for name in session.info.pop(_INFO_KEY, set()):
        for fn in list(_listeners.get(name, ())):
            fn()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_INFO_KEY, None)
