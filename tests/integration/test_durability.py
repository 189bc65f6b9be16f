"""Durability of what was acknowledged (issue 15, item 3): 100 citizens file at once through the
real backend (Reflex's protocol, bench/citizen.py) while the server is killed with SIGKILL at a
random moment, for several rounds — on SQLite with one worker and, when SGD_TEST_DATABASE_URL is
set, on PostgreSQL with two workers sharing state through Redis. After each kill the server is started again and every citizen who
had no receipt sends again from the same tab (the attempt's key comes back from the tab's
sessionStorage; with Redis the whole wizard survives too).

Then: every receipt that reached a citizen names a case that exists, with its files on disk
(hashes match); each citizen has exactly one case (a resend never files twice); the numbers are
gap-free; every case has its document and its route step (nothing half-written); the audit chain
verifies. The SQLite connections run with synchronous=FULL (a receipt shown survives a power cut).

The kill moments come from a seeded random generator; the seed is printed with any failure."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from bench import citizen as tab
from sgd_app import db
from sgd_app.domain import audit
from sgd_app.domain.documents import FileStore
from sgd_app.domain.models import Document, Expediente, FilingAttempt, Movement, Party
from tests.conftest import PG_URL, make_pdf

N = int(os.environ.get("SGD_DURABILITY_N", "100"))
# With two workers the killed workers' socket records stay in Redis: without
# sgd_app/worker_tokens.py every reconnecting tab got a new token and an empty form.
SETUPS = [pytest.param("sqlite", 1, 3, id="sqlite-1-worker")] + (
    [pytest.param("postgresql", 2, int(os.environ.get("SGD_DURABILITY_ROUNDS", "2")), id="postgresql-2-workers-redis")]
    if PG_URL
    else []
)


async def _file_until_killed(citizens, kill, rng) -> None:
    """Everyone submits at once; the server is killed once a random number of receipts came back."""
    kill_after = rng.randint(1, N // 2)
    done = 0

    async def one(c):
        nonlocal done
        try:
            await c.submit(timeout=90)
        except (tab.Dropped, TimeoutError, OSError):
            return
        done += 1
        if done == kill_after:
            kill()

    await asyncio.gather(*(one(c) for c in citizens))
    kill()  # if fewer came back than asked, the kill comes at the end of the round


async def _resend(citizens) -> None:
    """Those without a receipt reload the tab (same token, same sessionStorage) and send again."""

    async def one(c):
        await c.close()
        await c.connect()
        if not c.receipt and c.state.get("r_number"):
            c.receipt = c.state["r_number"]
        if c.receipt:
            return
        if c.state.get("step") != 4 or not c.state.get("attachments"):
            await c.fill()
        else:
            await c.send("set_declaration", {"value": True}, until=lambda st: st.get("declaration") is True)
        await c.submit(timeout=90)

    sem = asyncio.Semaphore(25)

    async def bounded(c):
        async with sem:
            await one(c)

    await asyncio.gather(*(bounded(c) for c in citizens if not c.receipt))


def _database(backend: str, data: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{data / 'sgd.db'}", None
    schema = f"dur_{uuid.uuid4().hex[:10]}"
    admin = db.make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}", schema


@pytest.mark.parametrize(("backend", "workers", "rounds"), SETUPS)
def test_every_acknowledged_filing_survives_sigkill(tmp_path, backend, workers, rounds, request):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    data = tmp_path / "data"
    data.mkdir()
    db_url, schema = _database(backend, data)
    redis_url = request.getfixturevalue("redis_url") if workers > 1 else ""
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    port = tab.free_port()
    env = tab.backend_env(data, port, db_url=db_url if schema else "", redis_url=redis_url, workers=workers)
    subprocess.run([sys.executable, "-m", "sgd_app", "init"], cwd=tab.ROOT, env=env, check=True, capture_output=True)
    log = tmp_path / "app.log"
    pdf = make_pdf(1, "Solicitud de constancia")
    everyone: list[tab.Citizen] = []
    kills = 0
    try:
        for r in range(rounds):
            server = tab.start_backend(env, port, log)

            def kill(server=server):
                nonlocal kills
                if server.proc.poll() is None:
                    kills += 1
                    tab.stop(server, kill=True)

            citizens = [tab.Citizen(server.base, f"7{r}{i:06d}", pdf + f"%{r}-{i}\n".encode()) for i in range(N)]

            async def round_(citizens=citizens, kill=kill):
                for c in citizens:
                    await c.connect()
                await asyncio.gather(*(c.fill() for c in citizens))
                await _file_until_killed(citizens, kill, rng)
                for c in citizens:
                    await c.close()

            asyncio.run(round_())
            assert server.proc.poll() is not None
            before = {c.dni for c in citizens if c.receipt}
            assert len(before) < N, f"the kill came after every receipt (seed {seed})"
            server = tab.start_backend(env, port, log)
            try:
                asyncio.run(_resend(citizens))
            finally:
                tab.stop(server)
            # A resend of an attempt that was filed before the kill shows its receipt again
            # without the access key (never shown twice); a new filing shows its key.
            replayed = sum(1 for c in citizens if c.dni not in before and c.receipt and not c.state.get("r_key"))
            print(
                f"round {r}: {len(before)} receipts before the kill, {N - len(before)} sent again "
                f"({replayed} of them had been filed: same receipt) — seed {seed}"
            )
            everyone += citizens
        assert kills == rounds, f"seed {seed}"
        renamed = [c.dni for c in everyone if c.new_tokens]
        assert not renamed, f"tabs given a new token (their form lost) after the kill: {renamed[:5]} (seed {seed})"
        _check(db_url, data, everyone, seed)
    finally:
        if schema:
            admin = db.make_engine(PG_URL)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def _check(db_url: str, data: Path, citizens: list[tab.Citizen], seed: int) -> None:
    eng = db.make_engine(db_url)
    store = FileStore(data / "files")
    try:
        with db.session(eng) as s:
            if db.is_sqlite(eng):  # the app's connections: a commit is on disk before it returns
                assert s.exec(text("PRAGMA synchronous")).one()[0] == 2  # FULL
            rows = s.exec(select(Expediente, Party).join(Party, Party.id == Expediente.party_id)).all()
            by_dni: dict[str, list[Expediente]] = {}
            for case, party in rows:
                by_dni.setdefault(party.doc_number, []).append(case)
            where = f"(seed {seed})"
            missing = [c.dni for c in citizens if not c.receipt]
            assert not missing, f"citizens left without a receipt after resending {where}: {missing[:5]}"
            for c in citizens:
                cases = by_dni.get(c.dni, [])
                assert len(cases) == 1, f"{c.dni} has {len(cases)} cases {where}"
                assert cases[0].number == c.receipt, f"{c.dni}: receipt {c.receipt}, case {cases[0].number} {where}"
            assert len(rows) == len(citizens)
            seqs = sorted(case.seq for case, _ in rows)
            assert seqs == list(range(1, len(rows) + 1)), f"numbers with gaps {where}"
            for case, _ in rows:
                docs = s.exec(select(Document).where(Document.expediente_id == case.id)).all()
                principal = [d for d in docs if d.role == "principal"]
                assert len(principal) == 1, f"{case.number}: {len(principal)} principal documents {where}"
                for d in docs:
                    stored = store.read(d.sha256)
                    assert hashlib.sha256(stored).hexdigest() == d.sha256, f"{case.number}: {d.filename} {where}"
                assert s.exec(select(Movement).where(Movement.expediente_id == case.id)).first() is not None
            attempts = s.exec(select(FilingAttempt)).all()
            assert {a.expediente_id for a in attempts} <= {case.id for case, _ in rows}
            report = audit.verify(s)
        assert report.ok, f"audit chain broken at {report.first_broken_seq}: {report.reason} {where}"
    finally:
        eng.dispose()
