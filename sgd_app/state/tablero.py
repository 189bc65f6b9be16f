"""/tablero — command dashboard for heads and managers (scoped to their units)."""
from __future__ import annotations

import asyncio

import plotly.graph_objects as go
import reflex as rx

from sgd_app import db
from sgd_app.domain import dashboards, reports
from sgd_app.domain.errors import InvalidInput, NotAuthenticated
from sgd_app.domain.routing import today_lima
from sgd_app.state.staff import current_principal

BRAND, GREY = "#8a1538", "#7b8794"
LIGHTS = {"rojo": "#b42318", "ambar": "#d97706", "verde": "#146c2e"}
FILTER_KEYS = ("date_from", "date_to", "unit_id", "procedure_id", "category")


def _layout(title: str, height: int = 300, **extra) -> dict:
    base = {"template": "none", "title": {"text": title, "font": {"size": 15}}, "height": height,
            "margin": {"l": 10, "r": 10, "t": 40, "b": 40}, "font": {"family": "system-ui, sans-serif"},
            "legend": {"orientation": "h", "y": -0.25}, "separators": ", ", "yaxis": {"automargin": True},
            "xaxis": {"automargin": True}}
    base.update(extra)
    return base


def _short(text: str, n: int = 26) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


class TableroState(rx.State):
    allowed: bool = False
    message: str = ""
    kpis: list[dict[str, str]] = []
    overdue: list[dict[str, str]] = []
    filters: dict[str, str] = {k: "" for k in FILTER_KEYS}
    unit_options: list[list[str]] = []
    procedure_options: list[list[str]] = []
    daily: go.Figure = go.Figure()
    lights: go.Figure = go.Figure()
    procedures: go.Figure = go.Figure()
    categories: go.Figure = go.Figure()
    heatmap: go.Figure = go.Figure()

    async def _refresh(self):
        try:
            who = current_principal(self)
        except NotAuthenticated:
            return rx.redirect("/ingresar?motivo=sesion")
        if not dashboards.may_view(who):
            self.allowed = False
            self.message = "El tablero de mando es para jefes de unidad y directivos."
            return None
        try:
            f = reports.parse_filters({k: v for k, v in self.filters.items() if v})
        except InvalidInput as exc:
            self.message = exc.message
            return None

        def work():
            with db.session() as s:
                return (dashboards.dashboard(s, who, f, today=today_lima()), reports.visible_units(s, who),
                        reports.procedures(s))

        data, units, procs = await asyncio.to_thread(work)
        self.allowed, self.message = True, ""
        self.unit_options = [[str(i), n] for i, n in units]
        self.procedure_options = [[str(i), n] for i, n in procs]
        k = data["kpis"]
        self.kpis = [
            {"label": "Presentados hoy", "value": reports.format_int(k["filed_today"])},
            {"label": "Presentados esta semana", "value": reports.format_int(k["filed_week"])},
            {"label": "En trámite", "value": reports.format_int(k["in_progress"])},
            {"label": "Vencidos", "value": reports.format_int(k["overdue"]), "alert": "1" if k["overdue"] else ""},
            {"label": "Atendidos dentro del plazo", "value": reports.format_pct(k["on_time_pct"])},
            {"label": "Días hábiles promedio para atender", "value": reports.format_decimal(k["avg_business_days"])},
        ]
        self.overdue = [{**o, "late": str(o["late"])} for o in data["overdue"]]
        days = [d["day"][8:10] + "/" + d["day"][5:7] for d in data["daily"]]
        self.daily = go.Figure(
            data=[go.Bar(name="Virtual", x=days, y=[d["virtual"] for d in data["daily"]], marker_color=BRAND),
                  go.Bar(name="Presencial", x=days, y=[d["presencial"] for d in data["daily"]], marker_color=GREY)],
            layout=_layout("Presentaciones por día y canal (30 días)", barmode="stack"))
        units_l = [_short(r["unit"]) for r in data["lights"]][::-1]
        self.lights = go.Figure(
            data=[go.Bar(name=name.capitalize().replace("Ambar", "Por vencer").replace("Rojo", "Vencidos")
                         .replace("Verde", "En plazo"), y=units_l, x=[r[name] for r in data["lights"]][::-1],
                         orientation="h", marker_color=color) for name, color in LIGHTS.items()],
            layout=_layout("Pendientes por unidad y semáforo", max(260, 40 + 28 * len(units_l)), barmode="stack"))
        self.procedures = go.Figure(
            data=[go.Bar(y=[_short(p["name"]) for p in data["by_procedure"]][::-1],
                         x=[p["count"] for p in data["by_procedure"]][::-1], orientation="h", marker_color=BRAND)],
            layout=_layout("Expedientes por trámite", 320))
        self.categories = go.Figure(
            data=[go.Pie(labels=[c["name"] for c in data["by_category"]], values=[c["count"] for c in data["by_category"]],
                         hole=0.5, marker={"colors": [BRAND, GREY]})],
            layout=_layout("Por categoría"))
        self.heatmap = go.Figure(
            data=[go.Heatmap(z=data["heatmap"], x=[f"{h:02d}" for h in range(24)], y=list(dashboards.WEEKDAYS),
                             colorscale=[[0, "#f6f7f9"], [1, BRAND]], showscale=False)],
            layout=_layout("Presentaciones por día de la semana y hora (90 días)", 300,
                           yaxis={"autorange": "reversed", "automargin": True}))
        return None

    @rx.event
    async def load(self):
        return await self._refresh()

    @rx.event
    async def apply(self, form: dict):
        self.filters = {k: str(form.get(k, "") or "")[:40] for k in FILTER_KEYS}
        return await self._refresh()
