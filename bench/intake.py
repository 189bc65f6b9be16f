"""Front-desk intake: the real service (validation, PDF screening, content-addressed store,
one transaction with number, party, case, document, route step and audit event) against the
raw floor (plain sqlite3 inserts of the same rows, no checks)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import one_page_pdf, p95
from sgd_app import db, schema, seed
from sgd_app.domain import intake
from sgd_app.domain.documents import FileStore

N = int(__import__("os").environ.get("BENCH_N", "1000"))


def _pdf() -> bytes:
    return one_page_pdf("Solicitud de constancia de afiliación. " * 20)


_p95 = p95


def run_service(tmp: Path, pdf: bytes, *, name: str = "svc") -> dict[str, float]:
    eng = db.make_engine(f"sqlite:///{tmp / f'{name}.db'}")
    schema.create_all(eng)
    with db.write_session(eng) as s:
        seed.seed_catalogue(s)
    store = FileStore(tmp / f"files-{name}")
    cal = None
    with db.session(eng) as s:
        from sgd_app.domain.calendar import load_calendar

        cal = load_calendar(s)
    samples = []
    t0 = time.perf_counter()
    for i in range(N):
        filer = intake.FilerInput(
            doc_type="DNI",
            doc_number=f"{40000000 + i:08d}",
            name=f"Ciudadana {i}",
            kind="ciudadano",
            email=f"c{i}@example.pe",
            phone="987654321",
        )
        # A distinct 1-page PDF per filing (a trailing comment changes the bytes, hence the hash).
        data = pdf + f"\n%{i}\n".encode()
        t = time.perf_counter()
        with db.write_session(eng) as s:
            intake.file_case(
                s,
                store,
                procedure_code="CONST-AF",
                filer=filer,
                subject=f"Constancia {i}",
                files=[intake.IncomingFile("s.pdf", data, "principal")],
                calendar=cal,
            )
        samples.append(time.perf_counter() - t)
    total = time.perf_counter() - t0
    eng.dispose()
    return {
        "intake_per_s": N / total,
        "intake_p95_ms": 1000 * _p95(samples),
        "intake_median_ms": 1000 * statistics.median(samples),
    }


def run_sealed(tmp: Path, pdf: bytes, n: int = 200) -> dict[str, float]:
    """Intake followed by the sealed receipt: render the cargo, seal it (PAdES B-T with the
    institution's seal and the local TSA), store it and file it in the case."""
    import io

    import pikepdf

    from sgd_app.domain.calendar import load_calendar
    from sgd_app.domain.intake import render_receipt_pdf
    from sgd_app.domain.signing import DevPKI, sign_pdf

    eng = db.make_engine(f"sqlite:///{tmp / 'sealed.db'}")
    schema.create_all(eng)
    with db.write_session(eng) as s:
        seed.seed_catalogue(s)
    store = FileStore(tmp / "files-sealed")
    pki = DevPKI.ensure(tmp / "pki")
    seal, tsa = pki.seal_signer(), pki.timestamper()
    with db.session(eng) as s:
        cal = load_calendar(s)
    samples = []
    t0 = time.perf_counter()
    for i in range(n):
        filer = intake.FilerInput(
            doc_type="DNI",
            doc_number=f"{50000000 + i:08d}",
            name=f"Ciudadano {i}",
            kind="ciudadano",
            email=f"s{i}@example.pe",
            phone="987654321",
        )
        t = time.perf_counter()
        with db.write_session(eng) as s:
            result = intake.file_case(
                s,
                store,
                procedure_code="CONST-AF",
                filer=filer,
                subject=f"Constancia {i}",
                files=[intake.IncomingFile("s.pdf", pdf + f"\n%s{i}\n".encode(), "principal")],
                calendar=cal,
            )
            data = intake.receipt_data(
                s,
                result.case,
                institution="Jurado Nacional de Elecciones",
                place="Mesa de Partes Virtual",
                tracking_url="https://sgd.example.pe/seguimiento",
            )
        sealed = sign_pdf(
            render_receipt_pdf(data),
            signer=seal,
            timestamper=tsa,
            level="B-T",
            reason=f"Cargo de recepción — {result.case.number}",
            signer_name="Sello electrónico",
            verify_url="https://sgd.example.pe/verificar?codigo=0123456789ABCDEF",
            role="firma",
        )
        with pikepdf.open(io.BytesIO(sealed)) as doc:
            pages = len(doc.pages)
        with db.write_session(eng) as s:
            intake.attach_receipt(s, store, case=result.case, sealed_pdf=sealed, verify_code=f"{i:016X}", pages=pages)
        samples.append(time.perf_counter() - t)
    total = time.perf_counter() - t0
    eng.dispose()
    return {"intake_sealed_per_s": n / total, "intake_sealed_p95_ms": 1000 * _p95(samples)}


def run_floor(tmp: Path, pdf: bytes) -> dict[str, float]:
    """The same rows with plain sqlite3, one transaction per filing, no validation or files."""
    eng = db.make_engine(f"sqlite:///{tmp / 'floor.db'}")
    schema.create_all(eng)
    with db.write_session(eng) as s:
        seed.seed_catalogue(s)
    eng.dispose()
    conn = sqlite3.connect(tmp / "floor.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={db.SQLITE_SYNCHRONOUS}")  # as the service
    sha = hashlib.sha256(pdf).hexdigest()
    now = datetime.now(UTC).isoformat()
    conn.execute("INSERT OR IGNORE INTO casecounter (year, last) VALUES (2026, 0)")
    t0 = time.perf_counter()
    for i in range(N):
        conn.execute("BEGIN IMMEDIATE")
        seq = conn.execute("UPDATE casecounter SET last = last + 1 WHERE year = 2026 RETURNING last").fetchone()[0]
        party = conn.execute(
            "INSERT INTO party (doc_type, doc_number, name, kind, email, phone, address) VALUES "
            "('DNI', ?, ?, 'ciudadano', ?, '987654321', '')",
            (f"{40000000 + i:08d}", f"Ciudadana {i}", f"c{i}@example.pe"),
        ).lastrowid
        case = conn.execute(
            "INSERT INTO expediente (number, year, seq, procedure_id, party_id, subject, fields, channel, status, "
            "priority, received_at, filed_on, due_on, current_due_on, current_unit_id, awaiting_receipt, version, "
            "access_key_hash, folios, created_at) "
            "VALUES (?, 2026, ?, 1, ?, ?, '{}', 'virtual', 'registrado', 'normal', ?, '2026-11-30', "
            "'2026-12-03', '2026-12-03', 1, 1, 1, ?, 1, ?)",
            (f"EXP-2026-{seq:06d}", seq, party, f"Constancia {i}", now, "k" * 64, now),
        ).lastrowid
        conn.execute(
            "INSERT INTO document (expediente_id, kind, role, label, filename, sha256, size, pages, "
            "mime, number, signed, created_at) VALUES (?, 'solicitud', 'principal', 'Documento principal', "
            "'s.pdf', ?, ?, 1, 'application/pdf', '', 0, ?)",
            (case, sha, len(pdf), now),
        )
        conn.execute(
            "INSERT INTO movement (expediente_id, action, to_unit_id, instructions, priority, created_at) "
            "VALUES (?, 'derivar', 1, '', 'normal', ?)",
            (case, now),
        )
        head = conn.execute("SELECT seq, hash FROM audithead WHERE id = 1").fetchone()
        h = hashlib.sha256((head[1] + json.dumps([head[0] + 1, now, case])).encode()).hexdigest()
        conn.execute(
            "INSERT INTO auditevent (seq, at, actor, action, object_type, object_id, data, prev_hash, hash) "
            "VALUES (?, ?, 'ciudadano', 'registrar', 'expediente', ?, '{}', ?, ?)",
            (head[0] + 1, now, f"EXP-2026-{seq:06d}", head[1], h),
        )
        conn.execute("UPDATE audithead SET seq = ?, hash = ? WHERE id = 1", (head[0] + 1, h))
        conn.execute("COMMIT")
    total = time.perf_counter() - t0
    conn.close()
    return {"intake_floor_per_s": N / total}


def main() -> list[tuple[str, float, str]]:
    pdf = _pdf()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        svc = run_service(tmp, pdf)
        # The same with the SQLite setting before issue 15 (synchronous=NORMAL): the cost of a
        # receipt that survives a power cut (db.SQLITE_SYNCHRONOUS = FULL).
        setting, db.SQLITE_SYNCHRONOUS = db.SQLITE_SYNCHRONOUS, "NORMAL"
        try:
            normal = run_service(tmp, pdf, name="normal")
        finally:
            db.SQLITE_SYNCHRONOUS = setting
        floor = run_floor(tmp, pdf)
        sealed = run_sealed(tmp, pdf)
    return [
        ("intake_per_s", svc["intake_per_s"], "filings/s"),
        ("intake_p95_ms", svc["intake_p95_ms"], "ms"),
        ("intake_median_ms", svc["intake_median_ms"], "ms"),
        ("intake_normal_sync_per_s", normal["intake_per_s"], "filings/s (synchronous=NORMAL, before issue 15)"),
        ("intake_normal_sync_median_ms", normal["intake_median_ms"], "ms"),
        ("intake_full_sync_cost_ms", svc["intake_median_ms"] - normal["intake_median_ms"], "ms per filing (median)"),
        ("intake_floor_per_s", floor["intake_floor_per_s"], "filings/s"),
        ("intake_floor_ratio", floor["intake_floor_per_s"] / svc["intake_per_s"], "x"),
        ("intake_sealed_per_s", sealed["intake_sealed_per_s"], "filings/s"),
        ("intake_sealed_p95_ms", sealed["intake_sealed_p95_ms"], "ms"),
    ]
