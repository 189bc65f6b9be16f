"""Who owns the transaction of a business act.

A business act is one domain function. Called by a screen, an API route, the interoperability
endpoint or the CLI *without* a session, it opens its own write transaction (SQLite's write lock
taken at ``BEGIN IMMEDIATE``), commits at the end and rolls back on any error, so no caller ever
assembles a transaction itself. Called *with* a session as its first argument it joins that
transaction: that is how a named flow composes several acts into one commit, and how unit tests
drive the rule on a test database.

    routing.derive(who=p, number="EXP-2026-1", version=3, to_unit_id=7)      # its own transaction
    with db.write_session(engine) as s:
        routing.derive(s, who=p, number=..., version=..., to_unit_id=7)     # the caller's

``engine=`` chooses the database when the act opens its own transaction (tests, benchmarks);
it defaults to the configured one. :func:`query` does the same for reads with a read session.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from sgd_app import db

R = TypeVar("R")


def _owning(opener: Callable[[Engine | None], Any], fn: Callable[..., R]) -> Callable[..., R]:
    @functools.wraps(fn)
    def wrapper(*args: Any, engine: Engine | None = None, **kwargs: Any) -> R:
        if args and isinstance(args[0], Session):
            return fn(*args, **kwargs)
        with opener(engine) as session:
            return fn(session, *args, **kwargs)

    wrapper.__sgd_act__ = True  # type: ignore[attr-defined]
    return wrapper


def act(fn: Callable[..., R]) -> Callable[..., R]:
    """A business act: runs in the caller's session, or in a write transaction of its own."""
    return _owning(db.write_session, fn)


def query(fn: Callable[..., R]) -> Callable[..., R]:
    """A read: runs in the caller's session, or in a read session of its own."""
    return _owning(db.session, fn)
