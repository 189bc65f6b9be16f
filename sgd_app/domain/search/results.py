"""What a search answers: a page of hits (cases) with their snippets, the count and the order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sgd_app.domain.search.highlight import Segment


@dataclass(frozen=True)
class SearchHit:
    number: str
    subject: str
    filer: str
    status: str
    status_label: str
    unit: str
    procedure: str
    filed_on: date
    priority: str
    channel: str
    snippet: tuple[Segment, ...]
    found_in: str  # "Datos del expediente" or the document's label

    @property
    def snippet_text(self) -> str:
        return "".join(t for t, _ in self.snippet)


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: tuple[SearchHit, ...]
    total: int  # matching cases ``who`` may see (at most COUNT_CAP)
    total_capped: bool = False  # True: there are more than COUNT_CAP
    page: int = 0
    page_size: int = 20
    order: str = "relevancia"  # relevancia / recientes / exacto
    jump_to: str | None = None  # case number to open straight away

    @property
    def total_label(self) -> str:
        n = f"{self.total:,}".replace(",", " ")
        if self.total_capped:
            return f"más de {n} resultados"
        return {0: "Sin resultados", 1: "1 resultado"}.get(self.total, f"{n} resultados")

    @property
    def order_label(self) -> str:
        return {
            "relevancia": "Ordenados por relevancia",
            "recientes": "Muchas coincidencias: primero los expedientes más recientes",
            "exacto": "Coincidencia exacta",
        }.get(self.order, "")

    @property
    def has_next(self) -> bool:
        return (self.page + 1) * self.page_size < self.total

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


class Found(NamedTuple):
    """An engine's answer for one page: case ids in order, each case's best entry, the count."""

    ids: list[int]
    best: dict[int, int]  # case id -> the entry the snippet comes from
    total: int
    capped: bool
    order: str
    snippets: dict[int, tuple[Segment, ...]]  # entry id -> snippet
