"""/mirador (public) and the anonymous visit counter of the public pages."""

from __future__ import annotations

import asyncio

import plotly.graph_objects as go
import reflex as rx

from sgd_app.domain import mirador
from sgd_app.domain.calendar import format_datetime_es

BRAND = "#8a1538"
GREY = "#7b8794"


# Each chart's box has this fixed height on the page (no layout shift when plotly arrives).
CHART_HEIGHT = 320
PROCEDURE_CHART_HEIGHT = 380


def _wrap(label: str, width: int = 24) -> str:
    """A long procedure name on two or three lines (<br>) instead of cut with "…"."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _pct(part: int, whole: int) -> str:
    return mirador.fmt_dec(100 * part / whole) if whole else "0"


def _layout(title: str, height: int = CHART_HEIGHT) -> dict:
    return {
        "template": "none",
        "title": {"text": title, "font": {"size": 15}},
        "height": height,
        "autosize": True,
        "margin": {"l": 40, "r": 10, "t": 40, "b": 60},
        "font": {"family": "system-ui, sans-serif"},
        "legend": {"orientation": "h", "y": -0.2},
        "separators": ", ",
    }


# The indicators' labels, known before the figures arrive: the page is drawn with "…" values
# first, so nothing moves when the numbers come over the websocket.
KPI_LABELS = [
    "Trámites recibidos",
    "Por la Mesa de Partes Virtual",
    "Administrativos / jurisdiccionales",
    "Hojas que no se imprimieron",
    "Papel ahorrado",
    "Ahorro estimado en papel",
    "Visitas a las páginas públicas",
]


class MiradorState(rx.State):
    kpis: list[dict[str, str]] = [{"label": label, "value": "…"} for label in KPI_LABELS]
    updated: str = ""
    by_month: go.Figure = go.Figure()
    by_procedure: go.Figure = go.Figure()
    by_channel: go.Figure = go.Figure()
    # The same figures in words and in tables (text alternative of each chart).
    month_summary: str = "Cargando cifras…"
    procedure_summary: str = "Cargando cifras…"
    channel_summary: str = "Cargando cifras…"
    month_rows: list[list[str]] = []
    procedure_rows: list[list[str]] = []
    channel_rows: list[list[str]] = []

    @rx.event
    async def load(self):
        f = await asyncio.to_thread(mirador.cached_figures)  # aggregate queries off the event loop
        self.kpis = [
            {"label": "Trámites recibidos", "value": mirador.fmt_int(f.total)},
            {"label": "Por la Mesa de Partes Virtual", "value": mirador.fmt_int(f.virtual)},
            {
                "label": "Administrativos / jurisdiccionales",
                "value": f"{mirador.fmt_int(f.by_category.get('administrativo', 0))} / "
                f"{mirador.fmt_int(f.by_category.get('jurisdiccional', 0))}",
            },
            {"label": "Hojas que no se imprimieron", "value": mirador.fmt_int(f.pages_digital)},
            {"label": "Papel ahorrado", "value": f"{mirador.fmt_dec(f.kg_saved)} kg"},
            {"label": "Ahorro estimado en papel", "value": f"S/ {mirador.fmt_dec(f.soles_saved)}"},
            {"label": "Visitas a las páginas públicas", "value": mirador.fmt_int(f.visits)},
        ]
        self.updated = format_datetime_es(f.computed_at)
        self._describe(f)
        labels = [m for m, _v, _p in f.by_month]
        self.by_month = go.Figure(
            data=[
                go.Bar(name="Virtual", x=labels, y=[v for _m, v, _p in f.by_month], marker_color=BRAND),
                go.Bar(name="Presencial", x=labels, y=[p for _m, _v, p in f.by_month], marker_color=GREY),
            ],
            layout={**_layout("Trámites por mes"), "barmode": "stack"},
        )
        self.by_procedure = go.Figure(
            data=[
                go.Bar(
                    x=[n for _p, n in f.by_procedure][::-1],
                    y=[_wrap(p) for p, _n in f.by_procedure][::-1],
                    hovertext=[p for p, _n in f.by_procedure][::-1],
                    orientation="h",
                    marker_color=BRAND,
                )
            ],
            layout={
                **_layout("Trámites por tipo", PROCEDURE_CHART_HEIGHT),
                "margin": {"l": 10, "r": 20, "t": 40, "b": 30},
                "yaxis": {"automargin": True},
            },
        )
        self.by_channel = go.Figure(
            data=[
                go.Pie(
                    labels=["Virtual", "Presencial (papel)"],
                    values=[f.virtual, f.paper],
                    marker={"colors": [BRAND, GREY]},
                    hole=0.5,
                )
            ],
            layout=_layout("Virtual frente a papel"),
        )

    def _describe(self, f: mirador.Figures) -> None:
        fi = mirador.fmt_int
        self.month_rows = [[m, fi(v), fi(p), fi(v + p)] for m, v, p in f.by_month]
        if f.by_month:
            top = max(f.by_month, key=lambda row: row[1] + row[2])
            self.month_summary = (
                f"En los últimos {len(f.by_month)} meses el mes con más trámites fue {top[0]}, con "
                f"{fi(top[1] + top[2])} ({fi(top[1])} virtuales y {fi(top[2])} presenciales)."
            )
        else:
            self.month_summary = "Aún no hay trámites registrados."
        self.procedure_rows = [[p, fi(n)] for p, n in f.by_procedure]
        if f.by_procedure:
            name, n = f.by_procedure[0]
            self.procedure_summary = f"El trámite más frecuente es «{name}», con {fi(n)} expedientes."
        else:
            self.procedure_summary = "Aún no hay trámites registrados."
        total = f.virtual + f.paper
        self.channel_rows = [
            ["Virtual", fi(f.virtual), _pct(f.virtual, total) + " %"],
            ["Presencial (papel)", fi(f.paper), _pct(f.paper, total) + " %"],
        ]
        self.channel_summary = (
            f"{fi(f.virtual)} de {fi(total)} trámites ({_pct(f.virtual, total)} %) llegaron por la "
            "Mesa de Partes Virtual; el resto, en papel."
        )


class VisitState(rx.State):
    """Counts a visit to a public page: the page and the day only (no IP, no cookie, no person)."""

    @rx.event
    def count(self, path: str):
        mirador.count_visit(path)
