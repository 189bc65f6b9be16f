"""`python -m sgd_app audit verify` recomputes the chain and names the first broken event."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from sgd_app import db

ROOT = Path(__file__).resolve().parents[2]


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SGD_DATA_DIR": str(data_dir), "SGD_DEMO_PASSWORD": "clave-cli-12345"}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "sgd_app", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_init_is_idempotent_and_audit_verify_finds_a_one_byte_change(tmp_path):
    first = _cli(tmp_path, "init")
    assert first.returncode == 0, first.stderr
    assert "rop" in first.stdout and "clave-cli-12345" in first.stdout
    second = _cli(tmp_path, "init")  # running it again reuses everything
    assert second.returncode == 0
    ok = _cli(tmp_path, "audit", "verify")
    assert ok.returncode == 0 and "íntegra" in ok.stdout
    count = int(ok.stdout.split(":")[1].split()[0])
    assert count > 20  # units, procedures and users were audited once, not twice
    eng = db.make_engine(f"sqlite:///{tmp_path / 'sgd.db'}")
    with eng.begin() as conn:
        conn.execute(text("DROP TRIGGER auditevent_no_update"))
        conn.execute(
            text(
                "UPDATE auditevent SET data = replace(data, 'Mesa', 'Mesx') WHERE seq = "
                "(SELECT min(seq) FROM auditevent WHERE data LIKE '%Mesa%')"
            )
        )
        broken = conn.execute(text("SELECT min(seq) FROM auditevent WHERE data LIKE '%Mesx%'")).scalar()
    eng.dispose()
    bad = _cli(tmp_path, "audit", "verify")
    assert bad.returncode == 1
    assert f"ROTA en el evento {broken}" in bad.stdout


def test_demo_data_generates_a_gap_free_year(tmp_path):
    assert _cli(tmp_path, "init").returncode == 0
    out = _cli(tmp_path, "demo-data", "--n", "500")
    assert out.returncode == 0, out.stderr
    assert "500 expedientes generados" in out.stdout
    eng = db.make_engine(f"sqlite:///{tmp_path / 'sgd.db'}")
    with eng.connect() as conn:
        seqs = [r[0] for r in conn.execute(text("SELECT seq FROM expediente ORDER BY seq"))]
        statuses = {r[0] for r in conn.execute(text("SELECT DISTINCT status FROM expediente"))}
        last = conn.execute(text("SELECT last FROM casecounter WHERE year = 2026")).scalar()
    eng.dispose()
    assert seqs == list(range(1, 501)) and last == 500
    assert {"registrado", "en_tramite", "atendido"} <= statuses
