"""The staff bar's bell: a count and a short list of what needs the user now (domain/bell.py).
Read on every staff page (the bell mounts with the page) and every two minutes while the tab is
open (for at most two hours); nothing is written."""

from __future__ import annotations

import asyncio

import reflex as rx

from sgd_app import routes
from sgd_app.domain import bell
from sgd_app.domain.auth import Principal
from sgd_app.domain.vocabulary import today_lima
from sgd_app.state.session import principal_or_none, staff_event

EVERY_S = 120
ROUNDS = 60


def _items(who: Principal) -> tuple[int, list[dict[str, str]]]:
    got = bell.bell(who, today=today_lima())
    return got.count, [
        {
            "kind": i.kind,
            "label": bell.KIND_LABELS.get(i.kind, i.kind),
            "text": i.text,
            "href": routes.expediente(i.number) if i.number else routes.BANDEJA,
        }
        for i in got.items
    ]


class BellState(rx.State):
    count: int = 0
    items: list[dict[str, str]] = []
    _watching: bool = False
    _armed: bool = False  # set by refresh (server side): watch runs only after a real refresh

    @staff_event
    def refresh(self, who: Principal):
        self.count, self.items = _items(who)
        self._armed = True
        return BellState.watch

    @rx.event(background=True)
    async def watch(self):
        async with self:
            if self._watching or not self._armed:
                return
            self._watching = True
        try:
            for _ in range(ROUNDS):
                await asyncio.sleep(EVERY_S)
                async with self:
                    who = principal_or_none(self)
                    if who is None:
                        self.count, self.items = 0, []
                        return
                count, items = await asyncio.to_thread(_items, who)
                async with self:
                    self.count, self.items = count, items
        finally:
            async with self:
                self._watching = False
