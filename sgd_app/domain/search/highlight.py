"""Snippets: the stretch of a text with the most query terms, as (text, is_match) segments.

SQLite snippets are cut here, with the same folding as the index; PostgreSQL's ``ts_headline``
marks matches with \\x02 / \\x03, which :func:`segments` turns into the same segments.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from sgd_app.domain.search.query import Term, fold, word_variants

Segment = tuple[str, bool]  # (text, is_match): the page renders matches in bold, as plain text

SNIPPET_CHARS = 220  # about 30 words
SNIPPET_SCAN = 200_000  # characters of a long text looked at for the snippet
_W = r"[^\W_]"


def clean(value: str) -> str:
    """Text safe for the snippet markers (\\x02 / \\x03): other control characters become spaces."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", " ", value or "")


def segments(marked: str, limit: int = 400) -> tuple[Segment, ...]:
    """'a \\x02b\\x03 c' -> (('a ', False), ('b', True), (' c', False))."""
    out: list[Segment] = []
    size = 0
    for i, part in enumerate(re.split(r"[\x02\x03]", marked or "")):
        part = re.sub(r"\s+", " ", part.replace("\x02", "").replace("\x03", ""))
        if not part:
            continue
        if size + len(part) > limit:
            part = part[: max(0, limit - size)].rstrip() + "…"
        out.append((part, i % 2 == 1))
        size += len(part)
        if size >= limit:
            break
    return tuple(out)


@lru_cache(maxsize=1)
def _letter_classes() -> dict[str, str]:
    """Folded letter -> a regex class of every Latin letter that folds to it ("n" -> "[nNñÑ...]"),
    so the query's words are found in the original text with its accents and case."""
    variants: dict[str, set[str]] = {}
    for code in range(0x41, 0x250):
        c = chr(code)
        f = fold(c)
        if len(f) == 1 and f.isalnum():
            variants.setdefault(f, {f}).update({c, c.lower(), c.upper()})
    return {k: "[" + "".join(sorted(v)) + "]" for k, v in variants.items() if len(v) > 1}


def _word_pattern(word: str) -> str:
    classes = _letter_classes()
    return "".join(classes.get(ch, re.escape(ch)) for ch in word)


@lru_cache(maxsize=256)
def _term_regex(terms: tuple[Term, ...]) -> re.Pattern:
    parts = []
    for i, t in enumerate(terms):
        if t.phrase:
            body = r"[\W_]+".join(_word_pattern(w) for w in t.words) + (_W + "*" if t.prefix else "")
        elif t.prefix:
            body = _word_pattern(t.words[0]) + _W + "*"
        else:
            body = "(?:" + "|".join(_word_pattern(v) for v in word_variants(t.words[0])) + ")"
        parts.append(f"(?P<t{i}>{body})")
    return re.compile(rf"(?<!{_W})(?:{'|'.join(parts)})(?!{_W})")


def highlight(value: str, terms: tuple[Term, ...], size: int = SNIPPET_CHARS) -> tuple[Segment, ...] | None:
    """The stretch of ``value`` (about ``size`` characters) with the most distinct query terms, as
    (text, is_match) segments; None when no term is found. The same folding as the index: case,
    accents, ñ, the simple plurals of the query, prefixes, phrases."""
    value = unicodedata.normalize("NFC", clean(value[:SNIPPET_SCAN]))
    found = [(m.start(), m.end(), m.lastgroup) for m in _term_regex(terms).finditer(value)]
    if not found:
        return None
    best_at, best_score = 0, -1
    for i, (start, _, _) in enumerate(found):
        score = len({g for s, _, g in found[i : i + 12] if s < start + size - 40})
        if score > best_score:
            best_at, best_score = i, score
    anchor = found[best_at][0]
    lo = max(0, anchor - 60)
    if lo > 0:  # start at a word
        space = value.find(" ", lo, anchor)
        lo = space + 1 if space != -1 else anchor
    hi = min(len(value), lo + size)
    if hi < len(value):
        space = value.rfind(" ", max(lo, hi - 30), hi)
        hi = space if space > found[best_at][1] else hi
    out: list[Segment] = [("…", False)] if lo > 0 else []
    cursor = lo
    for start, end, _ in found:
        if start < lo or end > hi:
            continue
        if start > cursor:
            out.append((value[cursor:start], False))
        out.append((value[start:end], True))
        cursor = end
    if hi > cursor:
        out.append((value[cursor:hi], False))
    if hi < len(value):
        out.append(("…", False))
    merged: list[Segment] = []
    for text_, is_match in out:
        text_ = re.sub(r"\s+", " ", text_)
        if merged and not is_match and not merged[-1][1]:
            merged[-1] = (merged[-1][0] + text_, False)
        elif text_:
            merged.append((text_, is_match))
    return tuple(merged)
