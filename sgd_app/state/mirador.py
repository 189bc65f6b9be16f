"""/mirador (public) and the anonymous visit counter of the public pages."""

from __future__ import annotations

import asyncio

import plotly.graph_objects as go
import reflex as rx

from sgd_app.domain import mirador
from sgd_app.domain.calendar import format_datetime_es

BRAND = "#8a1538"
GREY = "#7b8794"


def _layout(title: str, height: int = 320) -> dict:
    return {
        "template": "none",
        "title": {"text": title, "font": {"size": 15}},
        "height": height,
        "margin": {"l": 40, "r": 10, "t": 40, "b": 40},
        "font": {"family": "system-ui, sans-serif"},
        "legend": {"orientation": "h", "y": -0.2},
        "separators": ", ",
    }


class MiradorState(rx.State):
    kpis: list[dict[str, str]] = []
    updated: str = ""
    by_month: go.Figure = go.Figure()
    by_procedure: go.Figure = go.Figure()
    by_channel: go.Figure = go.Figure()

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
                    y=[(p[:26] + "…") if len(p) > 27 else p for p, _n in f.by_procedure][::-1],
                    hovertext=[p for p, _n in f.by_procedure][::-1],
                    orientation="h",
                    marker_color=BRAND,
                )
            ],
            layout={
                **_layout("Trámites por tipo", 360),
                "margin": {"l": 10, "r": 10, "t": 40, "b": 30},
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


class VisitState(rx.State):
    """Counts a visit to a public page: the page and the day only (no IP, no cookie, no person)."""

    @rx.event
    def count(self, path: str):
        mirador.count_visit(path)
