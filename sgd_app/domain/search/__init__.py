"""Full-text search (/buscar, the API and the benchmark all call :func:`search`).

One box over the case number, the filer's name and document number, the subject (and the
case's extra fields) and the text of every document (``DocumentText``, written by the
digitisation worker). Results are cases, ranked, each with a highlighted snippet, in pages. An
exact case number, or a DNI / RUC that belongs to exactly one visible case, jumps to the case.
Accents and ñ are folded: "resolucion" finds "resolución", "nunez" finds "Núñez"; simple Spanish
plurals are folded in the query ("resoluciones" also finds "resolución"). Only the cases ``who``
may see are found and counted.

When more than ``limits.RANK_MAX`` cases match (one very common word), the answer is the newest
cases first; counts stop at ``limits.COUNT_CAP`` ("más de 10 000"). Prefix queries (``resol*``)
need 3 characters and are stopped after 1 s.

This door is the whole public surface; behind it, each readable in one sitting:

* :mod:`.query`: the box (validation, terms, folding, plurals, stop words) and its messages;
* :mod:`.filters`: the filters and the scope they narrow;
* :mod:`.service`: the search itself (scope, exact-number and DNI / RUC jumps, the page's hits);
* :mod:`.engine_sqlite` (FTS5, bm25) and :mod:`.engine_pg` (tsvector, ``ts_rank_cd``);
* :mod:`.highlight`: snippets; :mod:`.results`: what a search answers;
* :mod:`.schema`: every table, view, trigger and FTS table of the index, per dialect;
* :mod:`.index`: keeping the index up to date, in the caller's transaction;
* :mod:`.limits`: the numbers that bound a search;
* :mod:`.saved`: a person's saved searches (named, rerun from /buscar).
"""

from __future__ import annotations

from sgd_app.domain.search.filters import FILTER_KEYS, SearchFilters, parse_filters
from sgd_app.domain.search.highlight import Segment, highlight
from sgd_app.domain.search.index import ensure_schema, index_case, index_document, rebuild
from sgd_app.domain.search.query import (
    FIELD,
    MSG_COMMON,
    MSG_EMPTY,
    MSG_LONG,
    MSG_PREFIX,
    MSG_PUNCT,
    MSG_SLOW,
    MSG_TERMS,
    ParsedQuery,
    Term,
    fold,
    parse_query,
    word_variants,
)
from sgd_app.domain.search.results import SearchHit, SearchResult
from sgd_app.domain.search.saved import (
    Saved,
    SavedSearch,
    delete_saved_search,
    save_search,
    saved_search,
    saved_searches,
)
from sgd_app.domain.search.schema import create_pg, create_sqlite
from sgd_app.domain.search.service import filter_options, search

__all__ = [
    "FIELD",
    "FILTER_KEYS",
    "MSG_COMMON",
    "MSG_EMPTY",
    "MSG_LONG",
    "MSG_PREFIX",
    "MSG_PUNCT",
    "MSG_SLOW",
    "MSG_TERMS",
    "ParsedQuery",
    "Saved",
    "SavedSearch",
    "SearchFilters",
    "SearchHit",
    "SearchResult",
    "Segment",
    "Term",
    "create_pg",
    "create_sqlite",
    "delete_saved_search",
    "ensure_schema",
    "filter_options",
    "fold",
    "highlight",
    "index_case",
    "index_document",
    "parse_filters",
    "parse_query",
    "rebuild",
    "save_search",
    "saved_search",
    "saved_searches",
    "search",
    "word_variants",
]
