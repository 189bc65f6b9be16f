"""/tablero — command dashboard for heads and managers (scoped to their units), live.

Every tab that shows the same scope and filters is linked to one :class:`DashboardFeed` (a Reflex
shared state named by ``dashboards.scope_key``). The figures are computed once per change for all
of them by :func:`feed_hub`, which runs in every worker but only acts in the worker holding the
lead (Redis) or in the only worker (no Redis); Reflex then pushes the new figures to every linked
tab, whichever worker its socket is on. Tabs never poll.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from typing import Any

import redis.asyncio as aredis
import reflex as rx
from reflex.istate.manager.token import BaseStateToken

from sgd_app import live
from sgd_app.domain import access, dashboards, filters, reports, vocabulary
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.filters import ReportFilters
from sgd_app.domain.models import utcnow
from sgd_app.domain.routing import today_lima
from sgd_app.state.session import staff_event

log = logging.getLogger(__name__)
BRAND, GREY = "#8a1538", "#7b8794"
CHANNEL_COLORS = {"virtual": BRAND, "presencial": GREY, "interoperabilidad": "#1d4ed8", "api": "#0f766e"}
LIGHTS = {"rojo": ("Vencidos", "#b42318"), "ambar": ("Por vencer", "#d97706"), "verde": ("En plazo", "#146c2e")}
FILTER_KEYS = ("date_from", "date_to", "unit_id", "procedure_id", "category")
COALESCE_S = 0.15  # changes arriving within this window are shown together
STALE_S = 600  # a feed older than this is recomputed when a tab opens it (e.g. no leader for a while)


def _layout(title: str, height: int = 300, **extra) -> dict:
    base = {
        "template": "none",
        "title": {"text": title, "font": {"size": 15}},
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 40},
        "font": {"family": "system-ui, sans-serif"},
        "legend": {"orientation": "h", "y": -0.25},
        "separators": ", ",
        "yaxis": {"automargin": True},
        "xaxis": {"automargin": True},
    }
    base.update(extra)
    return base


def _short(text: str, n: int = 26) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def build(units: set[int], filters: ReportFilters) -> dict:
    """The feed's values for one scope: the dashboard from the summaries, as figures and text."""
    data = dashboards.compute(units, filters, today=today_lima())
    k = data["kpis"]
    kpis = [
        {"label": "Presentados hoy", "value": reports.format_int(k["filed_today"]), "alert": ""},
        {"label": "Presentados esta semana", "value": reports.format_int(k["filed_week"]), "alert": ""},
        {"label": "En trámite", "value": reports.format_int(k["in_progress"]), "alert": ""},
        {"label": "Vencidos", "value": reports.format_int(k["overdue"]), "alert": "1" if k["overdue"] else ""},
        {"label": "Atendidos dentro del plazo", "value": reports.format_pct(k["on_time_pct"]), "alert": ""},
        {
            "label": "Días hábiles promedio para atender",
            "value": reports.format_decimal(k["avg_business_days"]),
            "alert": "",
        },
    ]
    days = [d["day"][8:10] + "/" + d["day"][5:7] for d in data["daily"]]
    units_l = [_short(r["unit"]) for r in data["lights"]][::-1]
    stage_units = [_short(r["unit"]) for r in data["stages"]][::-1]

    def bar(name, x, y, color, **extra):
        return {"type": "bar", "name": name, "x": x, "y": y, "marker": {"color": color}, **extra}

    # Plain dicts (not plotly objects): cheap to build, to store in the shared state and to send.
    return {
        "kpis": kpis,
        "overdue": [{**o, "late": str(o["late"])} for o in data["overdue"]],
        "daily": {
            "data": [
                bar(label, days, [d[str(ch)] for d in data["daily"]], CHANNEL_COLORS.get(str(ch), GREY))
                for ch, label in vocabulary.CHANNEL_SHORT_LABELS.items()
                if any(d[str(ch)] for d in data["daily"]) or ch in ("virtual", "presencial")
            ],
            "layout": _layout("Presentaciones por día y canal (30 días)", barmode="stack"),
        },
        "lights": {
            "data": [
                bar(label, [r[name] for r in data["lights"]][::-1], units_l, color, orientation="h")
                for name, (label, color) in LIGHTS.items()
            ],
            "layout": _layout("Pendientes por unidad y semáforo", max(260, 40 + 28 * len(units_l)), barmode="stack"),
        },
        "procedures": {
            "data": [
                bar(
                    "Expedientes",
                    [p["count"] for p in data["by_procedure"]][::-1],
                    [_short(p["name"]) for p in data["by_procedure"]][::-1],
                    BRAND,
                    orientation="h",
                )
            ],
            "layout": _layout("Expedientes por trámite", 320, showlegend=False),
        },
        "categories": {
            "data": [
                {
                    "type": "pie",
                    "labels": [c["name"] for c in data["by_category"]],
                    "values": [c["count"] for c in data["by_category"]],
                    "hole": 0.5,
                    "marker": {"colors": [BRAND, GREY]},
                }
            ],
            "layout": _layout("Por categoría"),
        },
        "heatmap": {
            "data": [
                {
                    "type": "heatmap",
                    "z": data["heatmap"],
                    "x": [f"{h:02d}" for h in range(24)],
                    "y": list(dashboards.WEEKDAYS),
                    "colorscale": [[0, "#f6f7f9"], [1, BRAND]],
                    "zmin": 0,
                    "showscale": False,
                }
            ],
            "layout": _layout(
                "Presentaciones por día y hora (3 meses)", 300, yaxis={"autorange": "reversed", "automargin": True}
            ),
        },
        "stages": {
            "data": [
                bar(
                    "Espera de recepción",
                    [r["recepcion"] for r in data["stages"]][::-1],
                    stage_units,
                    GREY,
                    orientation="h",
                ),
                bar(
                    "En trámite en la unidad",
                    [r["tramite"] for r in data["stages"]][::-1],
                    stage_units,
                    BRAND,
                    orientation="h",
                ),
            ],
            "layout": _layout(
                "Tiempo promedio por etapa (días)",
                max(260, 40 + 28 * len(stage_units)),
                barmode="stack",
                xaxis={"automargin": True, "ticksuffix": " d"},
            ),
        },
        "updated": "Actualizado a las " + dashboards.now_text(utcnow()),
        "total": k["total"],
    }


def _params_of(units: set[int], f: ReportFilters) -> dict:
    return {"units": sorted(units), "filters": f.as_query()}


def _build_from_params(params: dict) -> dict:
    return build(set(params["units"]), filters.parse_filters(params["filters"]))


class DashboardFeed(rx.SharedState):
    """The figures of one scope + filters, shared by every tab showing them. No event handlers:
    only the server writes it (tabs are linked to it by TableroState after checking the session)."""

    version: int = 0
    updated: str = ""
    total: int = 0
    kpis: list[dict[str, str]] = []
    overdue: list[dict[str, str]] = []
    daily: dict[str, Any] = {}
    lights: dict[str, Any] = {}
    procedures: dict[str, Any] = {}
    categories: dict[str, Any] = {}
    heatmap: dict[str, Any] = {}
    stages: dict[str, Any] = {}
    _built_at: float = 0.0

    def _apply(self, values: dict) -> None:
        for name, value in values.items():
            if getattr(self, name) != value:  # only what changed is sent to the tabs
                setattr(self, name, value)
        self.version += 1
        self._built_at = time.time()


class TableroState(rx.State):
    allowed: bool = False
    message: str = ""
    filters: dict[str, str] = {k: "" for k in FILTER_KEYS}
    unit_options: list[list[str]] = []
    procedure_options: list[list[str]] = []

    async def _refresh(self, who: Principal):
        if not dashboards.may_view(who):
            self.allowed = False
            self.message = "El tablero de mando es para jefes de unidad y directivos."
            return None
        try:
            f = filters.parse_filters({k: v for k, v in self.filters.items() if v})
        except InvalidInput as exc:
            self.message = exc.message
            return None

        units, unit_names, procs = await asyncio.to_thread(
            lambda: (access.visible_unit_ids(who), filters.visible_units(who), filters.procedures())
        )
        self.unit_options = [[str(i), n] for i, n in unit_names]
        self.procedure_options = [[str(i), n] for i, n in procs]
        key = dashboards.scope_key(units, f)
        params = _params_of(units, f)
        await asyncio.to_thread(live.register_feed, key, params)
        feed = await self.get_state(DashboardFeed)
        feed = await feed._link_to(key)
        if feed.version == 0 or time.time() - feed._built_at > STALE_S:
            feed._apply(await asyncio.to_thread(build, units, f))
        self.allowed, self.message = True, ""
        return None

    @staff_event
    async def load(self, who: Principal):
        return await self._refresh(who)

    @staff_event
    async def apply(self, who: Principal, form: dict):
        self.filters = {k: str(form.get(k, "") or "")[:40] for k in FILTER_KEYS}
        return await self._refresh(who)


# ---------------------------------------------------------------- the hub (one leader)
async def refresh_feeds(app: rx.App) -> int:
    """Recompute every open feed once and push it to its tabs; returns how many were pushed.
    Feeds whose tabs are all closed are dropped without computing."""
    tokens = app.event_namespace._token_manager if app.event_namespace else None
    pushed = 0
    for key, params in (await asyncio.to_thread(live.feeds)).items():
        token = BaseStateToken(ident=key, cls=DashboardFeed)
        async with app.modify_state(token) as root:
            feed = await root.get_state(DashboardFeed)
            linked = set(feed._linked_from)
        connected = False
        for t in linked:
            if tokens is None or await tokens.is_token_connected(t):
                connected = True
                break
        if not connected:
            await asyncio.to_thread(live.drop_feed, key)
            continue
        try:
            values = await asyncio.to_thread(_build_from_params, params)
        except Exception:
            log.exception("No se pudo calcular el tablero %s", key)
            continue
        async with app.modify_state(token) as root:
            feed = await root.get_state(DashboardFeed)
            feed._apply(values)
        pushed += 1
    return pushed


async def feed_hub(rx_app: rx.App) -> None:
    """Lifespan task: wait for changes (in-process, or Redis pub/sub), coalesce them for
    COALESCE_S, then refresh every open feed once. Also refreshes at the change of day (the
    traffic light depends on the date). With Redis only the leader acts."""
    pending = asyncio.Event()
    loop = asyncio.get_running_loop()
    url = live.redis_url()
    me = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    state = {"leader": not url, "day": today_lima()}

    async def worker():
        while True:
            await pending.wait()
            await asyncio.sleep(COALESCE_S)
            pending.clear()
            if state["leader"]:
                try:
                    await refresh_feeds(rx_app)
                except Exception:
                    log.exception("Error al actualizar los tableros")

    async def day_watch():
        while True:
            await asyncio.sleep(30)
            today = today_lima()
            if today != state["day"]:
                state["day"] = today
                pending.set()

    tasks = [asyncio.create_task(worker()), asyncio.create_task(day_watch())]
    try:
        if not url:
            live.on_change(lambda: loop.call_soon_threadsafe(pending.set))
            await asyncio.Event().wait()
        r = aredis.Redis.from_url(url)
        pubsub = r.pubsub()
        await pubsub.subscribe(live.CHANNEL)
        next_claim = 0.0
        while True:
            now = time.monotonic()
            if now >= next_claim:
                next_claim = now + 2.0
                try:
                    if (await r.get(live.LEADER) or b"").decode() == me:
                        await r.pexpire(live.LEADER, 6000)
                        state["leader"] = True
                    else:
                        state["leader"] = bool(await r.set(live.LEADER, me, nx=True, px=6000))
                except Exception as exc:
                    log.warning("Redis no responde (tablero): %s", exc)
                    state["leader"] = False
            msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if msg is not None:
                pending.set()
    finally:
        for t in tasks:
            t.cancel()
