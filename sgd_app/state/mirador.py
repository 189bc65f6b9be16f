"""/mirador (public) and the anonymous visit counter of the public pages."""

from __future__ import annotations

import asyncio

import reflex as rx

from sgd_app.domain import mirador, visits
from sgd_app.domain.calendar import format_datetime_es

# What the charts draw: the last MONTHS months and the TOP procedures (the rest as "Otros"); the
# tables under each chart hold every row. Drawn in HTML and CSS (pages/mirador.py): no chart library
# is sent to a phone, and each box has its height from the first paint (no layout shift).
MONTHS = 12
TOP = 8


def _pct(part: int, whole: int) -> str:
    return mirador.fmt_dec(100 * part / whole) if whole else "0"


def _share(part: int, whole: int) -> str:
    """A CSS width or height: the part of the largest value, in per cent."""
    return f"{100 * part / whole:.1f}%" if whole else "0%"


def month_bars(by_month: list[tuple[str, int, int]]) -> list[dict[str, str]]:
    """One column per month: the virtual and the paper part, scaled to the busiest month."""
    shown = by_month[-MONTHS:]
    top = max((v + p for _m, v, p in shown), default=0)
    fi = mirador.fmt_int
    return [
        {
            "label": label.split()[0],
            "virtual": _share(v, top),
            "paper": _share(p, top),
            "title": f"{label}: {fi(v)} virtuales y {fi(p)} presenciales",
        }
        for label, v, p in shown
    ]


def procedure_bars(by_procedure: list[tuple[str, int]]) -> list[dict[str, str]]:
    """One bar per procedure, most frequent first; beyond TOP they are added up as "Otros"."""
    rows = list(by_procedure[:TOP])
    rest = sum(n for _p, n in by_procedure[TOP:])
    if rest:
        rows.append(("Otros trámites", rest))
    top = max((n for _p, n in rows), default=0)
    return [{"label": p, "value": mirador.fmt_int(n), "width": _share(n, top)} for p, n in rows]


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
    months: list[dict[str, str]] = []
    procedures: list[dict[str, str]] = []
    virtual_share: str = "0%"
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
        seen = f.visits + await asyncio.to_thread(visits.pending)  # and the visits not flushed yet
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
            {"label": "Visitas a las páginas públicas", "value": mirador.fmt_int(seen)},
        ]
        self.updated = format_datetime_es(f.computed_at)
        self._describe(f)

    def _describe(self, f: mirador.Figures) -> None:
        fi = mirador.fmt_int
        self.months = month_bars(f.by_month)
        self.procedures = procedure_bars(f.by_procedure)
        self.virtual_share = _share(f.virtual, f.virtual + f.paper)
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
    """Counts a visit to a public page: the page and the day only (no IP, no cookie, no person).
    In memory or Redis, never the database: domain/visits.py flushes the counts every 30 s."""

    @rx.event
    def count(self, path: str):
        visits.count(path)
