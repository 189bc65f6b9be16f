"""Text for the PDF core fonts: folding to the WinAnsi (cp1252) encoding, and line wrapping
and fitting with cached core-font widths."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from fpdf.fonts import CORE_FONTS_CHARWIDTHS

__all__ = ["ENCODING", "fit_text", "meta_safe", "pdf_safe", "wrap_text"]


# ---------------------------------------------------------------------------- text helpers
ENCODING = "cp1252"  # = PDF WinAnsiEncoding, which fpdf2 declares for the core fonts

# Look-alikes for characters cp1252 lacks (checked after NFKD folding).
_FALLBACKS = {
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2015": "—",
    "\u2212": "-",
    "\u2043": "-",
    "\u2032": "'",
    "\u2033": '"',
    "\u2035": "`",
    "\u201b": "'",
    "\u201f": '"',
    "\u2039": "‹",
    "\u203a": "›",
    "\u2022": "•",
    "\u2219": "•",
    "\u25cf": "•",
    "\u2192": "->",
    "\u2190": "<-",
    "\u2194": "<->",
    "\u21d2": "=>",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2260": "!=",
    "\u2248": "~",
    "\u2116": "N°",
    "\u2122": "™",
    "\u2713": "v",
    "\u2714": "v",
    "\u0141": "L",
    "\u0142": "l",
    "\u0110": "D",
    "\u0111": "d",
    "\u0131": "i",
    "\u00f8": "ø",
    "\u0153": "œ",
    "\u0152": "Œ",
    "\u2028": "\n",
    "\u2029": "\n",
    "\u3000": " ",
}


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """cp1252-safe replacement for one character that cp1252 cannot encode."""
    if ch in _FALLBACKS:
        return _FALLBACKS[ch]
    cat = unicodedata.category(ch)
    if cat in ("Mn", "Me", "Cf"):  # combining marks, ZWJ, variation selectors, bidi marks
        return ""
    if cat == "Zs":
        return " "
    folded = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if folded:
        try:
            folded.encode(ENCODING)
            return folded
        except UnicodeEncodeError:
            pass
    return "?"


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def pdf_safe(text: object, *, multiline: bool = True) -> str:
    """Return ``text`` using only characters the core fonts can draw (never raises)."""
    s = unicodedata.normalize("NFC", "" if text is None else str(text))
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    s = _CONTROL.sub(" ", s)
    if not multiline:
        s = s.replace("\n", " ")
    try:
        s.encode(ENCODING)
        return s
    except UnicodeEncodeError:
        pass
    out = []
    for ch in s:
        try:
            ch.encode(ENCODING)
            out.append(ch)
        except UnicodeEncodeError:  # also undefined cp1252 slots and lone surrogates
            out.append(_fold_char(ch))
    return "".join(out)


def meta_safe(text: object) -> str:
    """Text for the PDF metadata (full Unicode, UTF-16 there): no controls, no lone surrogates."""
    s = _CONTROL.sub(" ", unicodedata.normalize("NFC", str(text)).replace("\n", " "))
    return s.encode("utf-16-be", "replace").decode("utf-16-be")


# ---------------------------------------------------------------------------- line wrapping
# fpdf2's multi_cell re-measures the line for every character (quadratic) and a dry run to
# know a block's height doubles that; wrapping here with cached core-font widths and drawing
# each line with cell() is ~5x faster and gives exact heights up front.
_PT_TO_MM = 25.4 / 72
_BREAK_AFTER = frozenset("_-./?&=,;")


@cache
def _widths(font_key: str) -> dict[str, int]:
    """Glyph widths (1/1000 em) of a core font, keyed by the unicode character (cp1252)."""
    table = CORE_FONTS_CHARWIDTHS[font_key]
    out = {}
    for b in range(256):
        try:
            ch = bytes([b]).decode(ENCODING)
        except UnicodeDecodeError:
            continue
        out[ch] = table[chr(b)]
    return out


def _font_key(family: str, style: str) -> str:
    return family.lower() + "".join(sorted(style.upper().replace("U", "")))


def _split_long(word: str, cw: dict[str, int], maxw: float) -> list[str]:
    """Split a word wider than ``maxw`` (font units), preferably after _ - . / etc."""
    pieces = []
    while word:
        acc = 0
        cut = len(word)
        for i, ch in enumerate(word):
            acc += cw.get(ch, 600)
            if acc > maxw:
                cut = max(i, 1)
                break
        if cut < len(word):
            soft = max((j + 1 for j in range(cut) if word[j] in _BREAK_AFTER), default=0)
            if soft >= cut * 0.5:
                cut = soft
        pieces.append(word[:cut])
        word = word[cut:]
    return pieces


def fit_text(text: str, family: str, style: str, size: float, width: float) -> str:
    """``text`` cut with "..." so that it fits on one line ``width`` mm wide."""
    cw = _widths(_font_key(family, style))
    maxw = width / (size * _PT_TO_MM) * 1000
    if sum(cw.get(c, 600) for c in text) <= maxw:
        return text
    maxw -= cw["."] * 3
    acc = 0
    for i, ch in enumerate(text):
        acc += cw.get(ch, 600)
        if acc > maxw:
            return text[:i].rstrip() + "..."
    return text


def wrap_text(text: str, family: str, style: str, size: float, width: float) -> list[str]:
    """Greedy word wrap of cp1252-safe ``text`` into lines at most ``width`` mm wide."""
    cw = _widths(_font_key(family, style))
    maxw = width / (size * _PT_TO_MM) * 1000
    space = cw[" "]
    lines: list[str] = []
    for para in text.split("\n"):
        line, lw = "", 0.0
        for word in para.split(" "):
            ww = sum(cw.get(c, 600) for c in word)
            if line and lw + space + ww <= maxw:
                line, lw = f"{line} {word}", lw + space + ww
                continue
            if line:
                lines.append(line)
            if ww <= maxw:
                line, lw = word, ww
            else:
                *full, line = _split_long(word, cw, maxw)
                lines.extend(full)
                lw = sum(cw.get(c, 600) for c in line)
        lines.append(line)
    return lines
