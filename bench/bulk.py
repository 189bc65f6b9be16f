"""Bulk receive from the inbox (issue 14, item 8): 100 cases waiting in one unit, received at once
through ``routing.bulk`` — each case its own transaction through the single ``receive`` act —
on SQLite (WAL), one process."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench.common import one_page_pdf
from sgd_app import db, schema, seed
from sgd_app.domain import auth, intake, routing
from sgd_app.domain.documents import FileStore

N = 100


def main():
    os.environ.setdefault("SGD_DEMO_PASSWORD", "bench-password-123")
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        eng = db.make_engine(f"sqlite:///{folder / 'bulk.db'}")
        schema.create_all(eng)
        with db.write_session(eng) as s:
            seed.seed_catalogue(s)
        with db.write_session(eng) as s:
            seed.seed_demo_staff(s, folder / "creds.txt")
        store = FileStore(folder / "files")
        pdf = one_page_pdf("Solicitud de constancia de afiliación")
        numbers = [
            intake.file_case(
                store,
                procedure_code="CONST-AF",  # to Registro de Organizaciones Políticas
                filer=intake.FilerInput(
                    doc_type="DNI",
                    doc_number=f"{46000000 + i}",
                    name=f"Ciudadano {i}",
                    kind="ciudadano",
                    email="",
                    phone="987654321",
                ),
                subject=f"Constancia de afiliación {i}",
                files=[intake.IncomingFile("solicitud.pdf", pdf, "principal")],
                channel="presencial",
                engine=eng,
            ).case.number
            for i in range(N)
        ]
        with db.write_session(eng) as s:
            token = auth.login(s, username="rop", password=os.environ["SGD_DEMO_PASSWORD"])
        with db.session(eng) as s:
            who = auth.resolve(s, token)
            assert routing.matching_numbers(s, who, tab="por_recibir") == numbers
        t = time.perf_counter()
        results = list(routing.bulk(who, numbers, "recibir", engine=eng))
        elapsed = time.perf_counter() - t
        assert len(results) == N and all(r.ok for r in results), [r.line for r in results if not r.ok][:3]
        with db.session(eng) as s:
            assert routing.matching_numbers(s, who, tab="por_recibir") == []
        eng.dispose()
    return [
        ("bulk_receive_100_s", elapsed, "s"),
        ("bulk_receive_per_case_ms", elapsed / N * 1000, "ms"),
    ]


if __name__ == "__main__":
    for name, value, unit in main():
        print(f"{name}: {value:.3f} {unit}")
