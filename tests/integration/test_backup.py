"""Backups while the app files cases, restored into a fresh data dir and database (SQLite; and
PostgreSQL when SGD_TEST_DATABASE_URL is set): every restored case has its files, the audit chain
verifies, the numbering continues without a gap; a non-empty target and a damaged backup are
refused with nothing half-restored."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from sgd_app import backup, db, schema, seed
from sgd_app.domain import audit, intake
from sgd_app.domain.documents import FileStore
from sgd_app.domain.models import CaseCounter, Document, Expediente
from sgd_app.domain.signing.pki import DevPKI
from tests.conftest import PG_URL, make_pdf

ROOT = Path(__file__).resolve().parents[2]


def _file(eng, store: FileStore, i: int) -> str:
    with db.write_session(eng) as s:
        return intake.file_case(
            s,
            store,
            procedure_code="CONST-AF",
            filer=intake.FilerInput(
                doc_type="DNI", doc_number="45678912", name="Rosa Ñahui", email="r@example.pe", phone="987654321"
            ),
            subject=f"Constancia {i}",
            files=[
                intake.IncomingFile("solicitud.pdf", make_pdf(text_=f"Solicitud {i} {uuid.uuid4()}"), "principal"),
                intake.IncomingFile("anexo.pdf", make_pdf(text_=f"Anexo {i} {uuid.uuid4()}"), "anexo"),
            ],
            received_at=datetime(2026, 11, 27, 15, 0, tzinfo=UTC),
        ).case.number


class Filings:
    """Cases filed one after another in a thread until stopped (the app at work)."""

    def __init__(self, eng, store: FileStore):
        self.eng, self.store = eng, store
        self.numbers: list[str] = []
        self.errors: list[BaseException] = []
        self.stop = threading.Event()
        self.progress = threading.Condition()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        i = 0
        while not self.stop.is_set():
            try:
                number = _file(self.eng, self.store, i)
            except BaseException as exc:  # surfaced by the test
                self.errors.append(exc)
                return
            i += 1
            with self.progress:
                self.numbers.append(number)
                self.progress.notify_all()

    def wait_for(self, n: int) -> None:
        with self.progress:
            assert self.progress.wait_for(lambda: len(self.numbers) >= n or self.errors, timeout=120)
        assert not self.errors, self.errors

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=120)
        assert not self.errors, self.errors


@dataclass
class Site:
    """An installation of the test: its database URL and data dir."""

    target: backup.Target
    original_url: str = ""  # PostgreSQL: where the source schema went after the backup

    @property
    def store(self) -> FileStore:
        return FileStore(self.target.files_dir)


def _url(eng) -> str:
    return eng.url.render_as_string(hide_password=False)


@pytest.fixture
def source(seeded, tmp_path):
    """The running installation: the seeded database, a data dir with a store, the secret key and
    the development PKI."""
    data = tmp_path / "origen"
    (data / "files").mkdir(parents=True)
    (data / "secret.key").write_text(os.urandom(32).hex())
    DevPKI.ensure(data / "pki")
    (data / "api").mkdir()
    (data / "api" / "token-key.json").write_text('{"kty": "EC"}')  # the API's signing key (its shape is not read)
    return Site(backup.Target(_url(seeded), data))


def _fresh_target(site: Site, tmp_path: Path) -> Site:
    """A fresh place to restore into. SQLite: a new data dir and database file. PostgreSQL: the
    same schema name (pg_restore keeps it) after the source schema was renamed away — kept for
    comparison and dropped at the end."""
    data = tmp_path / f"destino-{uuid.uuid4().hex[:6]}"
    if site.target.backend == "sqlite":
        return Site(backup.Target(f"sqlite:///{data / 'sgd.db'}", data), original_url=site.target.database_url)
    schema = _schema(site.target.database_url)
    moved = f"{schema}_origen"
    admin = db.make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'ALTER SCHEMA "{schema}" RENAME TO "{moved}"'))
    finally:
        admin.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return Site(
        backup.Target(site.target.database_url, data), original_url=f"{PG_URL}{sep}options=-csearch_path%3D{moved}"
    )


def _schema(url: str) -> str:
    return url.rsplit("csearch_path%3D", 1)[1]


@pytest.fixture
def drop_moved_schemas():
    moved: list[str] = []
    yield moved
    if moved:
        admin = db.make_engine(PG_URL)
        with admin.begin() as conn:
            for url in moved:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{_schema(url)}" CASCADE'))
        admin.dispose()


def _rows(url: str, sql: str) -> list[tuple]:
    eng = db.make_engine(url)
    try:
        with eng.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql)).all()]
    finally:
        eng.dispose()


def test_a_backup_taken_while_cases_are_filed_restores_complete_and_consistent(
    source, seeded, tmp_path, drop_moved_schemas
):
    # Older originals (not referenced here): the copy of the files takes a while, and cases are
    # filed during it — files copied before the database snapshot would miss some of theirs.
    for _ in range(1500):
        data = os.urandom(8192)
        path = source.store.path(hashlib.sha256(data).hexdigest())
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
    with Filings(seeded, source.store) as filings:
        filings.wait_for(3)
        manifest = backup.backup(tmp_path / "copia", source.target)
        filings.wait_for(len(filings.numbers) + 2)  # the app kept filing after the snapshot
    seeded.dispose()
    in_backup = manifest["database"]["counts"]["expediente"]
    assert 3 <= in_backup < len(filings.numbers)
    assert manifest["database"]["audit_head"]["seq"] == manifest["database"]["counts"]["auditevent"]
    assert (tmp_path / "copia").stat().st_mode & 0o777 == 0o700  # personal data and keys

    target = _fresh_target(source, tmp_path)
    if target.target.backend == "postgresql":
        drop_moved_schemas.append(target.original_url)
    restored = backup.restore(tmp_path / "copia", target.target)
    assert restored == manifest
    eng = db.make_engine(target.target.database_url)
    try:
        with db.session(eng) as s:
            cases = s.exec(select(Expediente).order_by(Expediente.seq)).all()
            docs = s.exec(select(Document)).all()
            report = audit.verify(s)
            counter = s.get(CaseCounter, 2026)
        # every case of the snapshot, and only those, with the same files as in the source
        assert len(cases) == in_backup
        assert {c.number for c in cases} <= set(filings.numbers)
        original = set(
            _rows(
                target.original_url,
                "SELECT e.number, d.sha256 FROM document d JOIN expediente e ON e.id = d.expediente_id",
            )
        )
        by_case = {c.id: c.number for c in cases}
        assert {(by_case[d.expediente_id], d.sha256) for d in docs} <= original
        assert len(docs) == 2 * in_backup
        for d in docs:  # every file is there, byte for byte
            assert hashlib.sha256(target.store.read(d.sha256)).hexdigest() == d.sha256
        # the audit chain verifies up to the snapshot's head
        assert report.ok and report.checked == manifest["database"]["audit_head"]["seq"]
        # numbering: 1..n without a gap, and the next filing takes n + 1
        assert [c.seq for c in cases] == list(range(1, in_backup + 1)) and counter.last == in_backup
        number = _file(eng, target.store, 999)
        with db.session(eng) as s:
            assert s.exec(select(Expediente.seq).where(Expediente.number == number)).one() == in_backup + 1
    finally:
        eng.dispose()
    # the data dir's secret and signing keys came back byte for byte
    for name, entry in manifest["data"].items():
        assert hashlib.sha256((target.target.data_dir / name).read_bytes()).hexdigest() == entry["sha256"]
    assert "secret.key" in manifest["data"] and any(n.startswith("pki/") for n in manifest["data"])
    assert "api/token-key.json" in manifest["data"]


def _leftovers(site: Site) -> list[str]:
    """What a failed restore would have left in the target."""
    left = [p.name for p in Path(site.target.data_dir).glob("*")] if Path(site.target.data_dir).exists() else []
    if site.target.backend == "sqlite":
        left += [p.name for p in site.target.sqlite_path.parent.glob(".*restaurando*")]
    else:
        left += [
            r[0]
            for r in _rows(
                PG_URL, f"SELECT nspname FROM pg_namespace WHERE nspname = '{_schema(site.target.database_url)}'"
            )
        ]
    return left


def test_restore_refuses_a_target_with_data_and_a_damaged_backup_leaving_nothing_half_done(
    source, seeded, tmp_path, drop_moved_schemas
):
    for i in range(2):
        _file(seeded, source.store, i)
    seeded.dispose()
    manifest = backup.backup(tmp_path / "copia", source.target)

    # a damaged original: refused before anything is written
    damaged = tmp_path / "copia-danada"
    shutil.copytree(tmp_path / "copia", damaged)
    victim = sorted(manifest["files"])[-1]
    path = damaged / "files" / victim[:2] / victim
    path.write_bytes(path.read_bytes()[:-1] + b"X")
    with pytest.raises(backup.BackupError, match=rf"files/{victim[:2]}/{victim} no coincide .*No se restauró nada"):
        backup.verify(damaged)

    target = _fresh_target(source, tmp_path)
    if target.target.backend == "postgresql":
        drop_moved_schemas.append(target.original_url)
    with pytest.raises(backup.BackupError, match=rf"{victim} no coincide con el SHA-256 del manifiesto"):
        backup.restore(damaged, target.target)
    assert _leftovers(target) == []  # no data dir content, no database, no staging

    # a good restore, then a second one into the same (now non-empty) target is refused...
    backup.restore(tmp_path / "copia", target.target)
    eng = db.make_engine(target.target.database_url)
    try:
        _file(eng, target.store, 5)  # the restored installation goes on working
        with pytest.raises(backup.BackupError, match=r"El destino no está vacío .*Use --force"):
            backup.restore(tmp_path / "copia", target.target)
        with db.session(eng) as s:
            assert len(s.exec(select(Expediente)).all()) == 3  # untouched by the refusal
        # ... and a damaged one is refused even with --force, the target as it was
        with pytest.raises(backup.BackupError, match="No se restauró nada"):
            backup.restore(damaged, target.target, force=True)
        with db.session(eng) as s:
            assert len(s.exec(select(Expediente)).all()) == 3
        eng.dispose()
        # --force replaces it with the backup
        backup.restore(tmp_path / "copia", target.target, force=True)
        with db.session(eng) as s:
            assert len(s.exec(select(Expediente)).all()) == 2
            assert audit.verify(s).ok
    finally:
        eng.dispose()


def test_the_commands_back_up_and_restore_and_say_so_in_spanish(tmp_path):
    """`python -m sgd_app backup DEST` / `restore SRC` on the configured installation (SQLite)."""
    eng = db.make_engine(f"sqlite:///{tmp_path / 'a' / 'sgd.db'}")
    schema.create_all(eng)
    with db.write_session(eng) as s:
        seed.seed_catalogue(s)
    _file(eng, FileStore(tmp_path / "a" / "files"), 1)
    eng.dispose()
    (tmp_path / "a" / "secret.key").write_text(os.urandom(32).hex())
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}

    def run(data: Path, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "sgd_app", *args],
            cwd=ROOT,
            env={**env, "SGD_DATA_DIR": str(data)},
            capture_output=True,
            text=True,
            timeout=120,
        )

    done = run(tmp_path / "a", "backup", str(tmp_path / "copia"))
    assert done.returncode == 0, done.stderr
    assert "Copia de seguridad completa" in done.stdout and "1 expedientes, 2 documentos" in done.stdout
    done = run(tmp_path / "b", "restore", str(tmp_path / "copia"))
    assert done.returncode == 0, done.stderr
    assert "Restaurado desde" in done.stdout and "1 expedientes, 2 documentos" in done.stdout
    assert "2 archivos" in done.stdout and "; clave secreta de la instalación" in done.stdout
    assert (tmp_path / "b" / "secret.key").read_text() == (tmp_path / "a" / "secret.key").read_text()
    again = run(tmp_path / "b", "restore", str(tmp_path / "copia"))
    assert again.returncode == 1 and "Restauración NO realizada: El destino no está vacío" in again.stderr
