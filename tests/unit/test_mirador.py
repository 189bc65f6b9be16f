"""Mirador figures against a small hand-built data set."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sgd_app import db
from sgd_app.domain import intake, mirador
from tests.conftest import make_pdf


def _file(e, store, *, pages: int, channel="virtual", code="CONST-AF", month=3):
    with db.write_session(e) as s:
        return intake.file_case(
            s,
            store,
            procedure_code=code,
            channel=channel,
            filer=intake.FilerInput(
                doc_type="DNI", doc_number="45678912", name="Rosa Ñahui", email="r@example.pe", phone="987654321"
            ),
            subject="Constancia solicitada",
            fields={"expediente_jurisdiccional": "EG.1"},
            files=[intake.IncomingFile("s.pdf", make_pdf(pages), "principal")],
            received_at=datetime(2026, month, 10, 15, 0, tzinfo=UTC),
        ).case


def test_figures_count_filings_pages_and_paper_saved(seeded, store):
    _file(seeded, store, pages=3, month=3)
    _file(seeded, store, pages=2, month=3, code="ESC-APE")
    _file(seeded, store, pages=10, channel="presencial", month=4)
    with db.write_session(seeded) as s:
        for _ in range(3):
            mirador.count_visit(s, "inicio", date(2026, 11, 28))
        mirador.count_visit(s, "mirador", date(2026, 11, 28))
        mirador.count_visit(s, "/etc/passwd", date(2026, 11, 28))  # not a public page: ignored
    with db.session(seeded) as s:
        f = mirador.figures(s)
    assert (f.total, f.virtual, f.paper) == (3, 2, 1)
    assert f.by_category == {"administrativo": 2, "jurisdiccional": 1}
    assert f.by_month == [("mar 2026", 2, 0), ("abr 2026", 0, 1)]
    assert f.pages_digital == 5  # the paper filing's 10 scanned pages were printed once already
    assert abs(f.kg_saved - 5 * 0.005) < 1e-9
    assert abs(f.soles_saved - 5 * 0.005 * 88360.50 / 20298.56) < 1e-9
    assert f.visits == 4
    assert mirador.fmt_int(10856) == "10\u202f856" and mirador.fmt_dec(1234.5) == "1\u202f234,50"


def test_a_visit_is_counted_in_its_own_transaction_and_figures_are_cached(seeded, monkeypatch):
    mirador.count_visit("seguimiento", engine=seeded)  # today in Lima, no session of the caller's
    mirador.count_visit("no-es-publica", engine=seeded)
    assert mirador.figures(engine=seeded).visits == 1
    calls = []
    monkeypatch.setattr(mirador, "_cache", {})
    monkeypatch.setattr(mirador, "figures", lambda: calls.append(1) or mirador.Figures(total=len(calls)))
    first = mirador.cached_figures()
    assert mirador.cached_figures() is first and calls == [1]  # shared by every visitor for a minute
    monkeypatch.setattr(mirador, "CACHE_SECONDS", 0)
    assert mirador.cached_figures().total == 2
