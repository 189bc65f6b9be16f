"""Change signals for the live dashboards (no reflex import: the CLI and the benchmarks use it too).

A transaction that changed what the dashboards show marks its session (``db.CHANGED_KEY``);
when it commits, :func:`changed` runs:

* with Redis (``REFLEX_REDIS_URL``, several workers): one PUBLISH on :data:`CHANNEL`; the one
  worker that holds the dashboard lead (``sgd_app/state/tablero.py``) recomputes each open feed
  once and Reflex pushes it to every linked tab, on whatever worker its socket lives;
* without Redis (one worker): the in-process listeners are called directly.

Also here: the registry of open feeds (scope + filters of every dashboard somebody watches),
in Redis or in memory, so that the leader knows what to recompute.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable

from sgd_app import db

log = logging.getLogger(__name__)
CHANNEL = "sgd:tablero:cambios"
FEEDS = "sgd:tablero:feeds"
LEADER = "sgd:tablero:lider"
FEED_TTL_S = 24 * 3600  # a feed nobody has opened for a day is forgotten

_listeners: list[Callable[[], None]] = []
_local_feeds: dict[str, tuple[str, float]] = {}
_lock = threading.Lock()
_client = None


def redis_url() -> str:
    return os.environ.get("REFLEX_REDIS_URL", "").strip()


def _redis():
    """A shared synchronous Redis client (None without Redis)."""
    global _client
    url = redis_url()
    if not url:
        return None
    if _client is None:
        import redis

        _client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return _client


def changed() -> None:
    """Something the dashboards show was committed."""
    r = _redis()
    if r is not None:
        try:
            r.publish(CHANNEL, str(time.time()))
            return
        except Exception as exc:  # the change is committed; the next one (or a reload) shows it
            log.warning("No se pudo avisar el cambio a los tableros: %s", exc)
            return
    for fn in list(_listeners):
        fn()


def on_change(fn: Callable[[], None]) -> None:
    """In-process listener (the single-worker path); may be called from any thread."""
    _listeners.append(fn)


def register_feed(key: str, params: dict) -> None:
    """Somebody opened the feed ``key`` (params: {"units": [...], "filters": {...}})."""
    raw = json.dumps(params, sort_keys=True)
    r = _redis()
    if r is not None:
        r.hset(FEEDS, key, json.dumps([raw, time.time()]))
        return
    with _lock:
        _local_feeds[key] = (raw, time.time())


def feeds() -> dict[str, dict]:
    """The open feeds seen within :data:`FEED_TTL_S` (older ones are dropped)."""
    now = time.time()
    out: dict[str, dict] = {}
    r = _redis()
    if r is not None:
        for key, value in r.hgetall(FEEDS).items():
            raw, seen = json.loads(value)
            if now - seen > FEED_TTL_S:
                r.hdel(FEEDS, key)
                continue
            out[key.decode() if isinstance(key, bytes) else key] = json.loads(raw)
        return out
    with _lock:
        for key, (raw, seen) in list(_local_feeds.items()):
            if now - seen > FEED_TTL_S:
                del _local_feeds[key]
            else:
                out[key] = json.loads(raw)
    return out


def drop_feed(key: str) -> None:
    r = _redis()
    if r is not None:
        r.hdel(FEEDS, key)
        return
    with _lock:
        _local_feeds.pop(key, None)


def install() -> None:
    """Call :func:`changed` after every commit of a session marked by the summaries."""
    db.after_commit_hooks[:] = [h for h in db.after_commit_hooks if h is not changed] + [changed]
