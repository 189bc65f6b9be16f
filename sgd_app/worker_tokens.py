"""A tab keeps its state when the worker that held its socket died (several workers + Redis).

Reflex's Redis token manager remembers which worker holds each tab's socket (a record per tab
token, kept for the state expiry). A worker that is killed (SIGKILL, out of memory, a power cut of
its machine) never deletes its records; when its tabs reconnect to another worker, Reflex takes
the record for a duplicated tab and hands each a NEW token — a fresh, empty state: the citizen's
half-filled form and uploaded file are gone, and an upload sent with the old token lands in a
state nobody reads.

Here each worker holds a Redis subscription to a channel named after it while it lives (Redis
drops it the moment the process dies and its connection closes) and, before Reflex's duplicate
check, a record whose worker holds no such subscription is dropped: the tab keeps its token and
its state. A record of a live worker is left alone, so a duplicated browser tab still gets its own
token (Reflex's protection against two tabs sharing one state). A worker on a machine that lost
power is seen dead when Redis notices the broken connection (its ``tcp-keepalive``, 300 s by
default; docs/deploy.md).

Touches Reflex internals (``RedisTokenManager``: ``redis``, ``instance_id``, ``_get_redis_key``,
``token_to_socket``); reflex is pinned and tests/integration/test_durability.py (PostgreSQL, two
workers, SIGKILL) fails if this stops working.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pickle
from typing import Any

log = logging.getLogger(__name__)
ALIVE_PREFIX = "sgd:worker-vivo:"
CHECK_S = 2


def alive_channel(instance_id: str) -> str:
    return f"{ALIVE_PREFIX}{instance_id}"


async def is_alive(redis: Any, instance_id: str) -> bool:
    counts = await redis.pubsub_numsub(alive_channel(instance_id))
    return bool(counts and counts[0][1])


async def _drop_if_orphaned(manager: Any, token: str) -> bool:
    """Drop the socket record of ``token`` if the worker it names is not alive. True if dropped."""
    redis = manager.redis
    key = manager._get_redis_key(token)
    raw = await redis.get(key)
    if not raw:
        return False
    try:
        owner = pickle.loads(raw).instance_id
    except Exception:  # an unreadable record: let Reflex decide
        return False
    if owner == manager.instance_id or await is_alive(redis, owner):
        return False
    await redis.delete(key)
    manager.token_to_socket.pop(token, None)
    log.info("socket record of a dead worker dropped; the tab keeps its state", extra={"worker": owner})
    return True


def install(manager: Any) -> None:
    """Wrap ``manager.link_token_to_sid`` (a Redis token manager) with the orphan check."""
    if getattr(manager, "_sgd_orphans_checked", False):
        return
    original = manager.link_token_to_sid

    async def link_token_to_sid(token: str, sid: str) -> str | None:
        try:
            await _drop_if_orphaned(manager, token)
        except Exception:  # Redis trouble: Reflex's own path decides (and logs)
            log.exception("orphan check failed")
        return await original(token, sid)

    manager.link_token_to_sid = link_token_to_sid
    manager._sgd_orphans_checked = True


async def keep_alive(rx_app: Any) -> None:
    """Lifespan task: install the check and hold this worker's alive subscription until shutdown."""
    namespace = rx_app.event_namespace
    manager = getattr(namespace, "_token_manager", None) if namespace is not None else None
    if manager is None or not hasattr(manager, "redis"):
        return  # one worker, in-memory tokens: nothing can be orphaned
    install(manager)
    pubsub = manager.redis.pubsub()
    current = ""
    try:
        while True:
            if manager.instance_id != current:  # reset after the fork: follow it
                try:
                    if current:
                        await pubsub.unsubscribe(alive_channel(current))
                    await pubsub.subscribe(alive_channel(manager.instance_id))
                    current = manager.instance_id
                except Exception:
                    log.exception("could not hold the worker's alive subscription")
            with contextlib.suppress(Exception):  # keep the connection read (no message is sent)
                await pubsub.get_message(timeout=0)
            await asyncio.sleep(CHECK_S)
    finally:
        with contextlib.suppress(Exception):
            await pubsub.aclose()
