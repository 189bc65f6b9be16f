"""The one place every Reflex event passes through: a middleware (``app.add_middleware``, first
in line) that gives the event a request id for the logs and, when the event's task ends (the
handler ran and its changes were sent), observes its duration in ``sgd_reflex_event_seconds``
labelled with the handler ("mesa_de_partes_state.choose"). Only registered handlers reach a
middleware, so the labels are bounded by the app's own handlers."""

from __future__ import annotations

import asyncio
import time

from reflex.middleware import Middleware

from sgd_app import logs, metrics


def handler_label(event_name: str) -> str:
    """'reflex___state____state.sgd_app___state___mesa_de_partes____mesa_de_partes_state.choose'
    -> 'mesa_de_partes_state.choose'."""
    state, _, handler = event_name.rpartition(".")
    return f"{state.rpartition('____')[2] or state}.{handler}"


class EventMetrics(Middleware):
    async def preprocess(self, app, state, event):
        label = handler_label(event.name)
        logs.REQUEST_ID.set(logs.new_request_id())  # this event's task only (its own context)
        started = time.perf_counter()
        task = asyncio.current_task()
        if task is not None:
            task.add_done_callback(lambda _t: metrics.event_handled(label, time.perf_counter() - started))
        return None
