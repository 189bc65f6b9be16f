"""The numbers that bound a search: the box, the counts, the ranking and the time of a prefix.

Read as ``limits.NAME`` at call time, so that a test (or a benchmark) can tune one in one place.
"""

from __future__ import annotations

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
MIN_PREFIX = 3
COUNT_CAP = 10_000  # counts stop here: "más de 10 000"
RANK_MAX = 1_000  # above this many matching cases the answer is newest-first
SMALL = 2_500  # SQLite: matching entries ranked in the first pass (beyond: counted, then ranked if few)
PREFIX_TIME_LIMIT_S = 1.0
PROGRESS_EVERY = 1000  # SQLite: the time limit is checked every this many virtual machine steps
MAX_PAGE_SIZE = 100


class TooSlow(Exception):
    """An engine stopped a prefix query at PREFIX_TIME_LIMIT_S."""
